package codeowners

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// The marker comments around the managed block. A line is a marker when it
// starts with "# BEGIN exctl managed block" or with EndMarker, so a BEGIN
// line whose advice someone reworded is still found (and rewritten) instead
// of a second block being appended after it.
const (
	BeginMarker = "# BEGIN exctl managed block — do not edit; run: exctl codeowners generate"
	EndMarker   = "# END exctl managed block"
	beginPrefix = "# BEGIN exctl managed block"
)

// ErrMalformedBlock reports marker comments that do not delimit exactly one
// block. Generate does not guess which lines are managed: a hand-made mess
// around the markers is for a person to fix.
var ErrMalformedBlock = errors.New("malformed managed block")

// Generate returns existing with the managed block replaced by rules, or
// with the block appended when there is none. Every line outside the block
// is kept byte for byte. The block uses the line ending of its BEGIN marker
// or, when appended, of the file's first line, so a CRLF file stays CRLF.
//
// Order matters in CODEOWNERS, since the last match wins: rules are written
// in the order given, and a new block goes at the end of the file so that
// nothing written by hand overrides it.
func Generate(existing []byte, rules []Rule) ([]byte, error) {
	for _, r := range rules {
		if err := checkRule(r); err != nil {
			return nil, err
		}
	}
	lines := slices.Collect(bytes.Lines(existing))
	begin, end, err := findBlock(lines)
	if err != nil {
		return nil, err
	}

	var out bytes.Buffer
	if begin >= 0 {
		eol := lineEnding(lines[begin])
		for _, l := range lines[:begin] {
			out.Write(l)
		}
		writeBlock(&out, rules, eol)
		for _, l := range lines[end+1:] {
			out.Write(l)
		}
		return out.Bytes(), nil
	}

	eol := "\n"
	if len(lines) > 0 {
		eol = lineEnding(lines[0])
	}
	out.Write(existing)
	if len(lines) > 0 {
		last := lines[len(lines)-1]
		if !bytes.HasSuffix(last, []byte("\n")) {
			out.WriteString(eol)
		}
		// A blank line between what a person wrote and the generated rules.
		if len(bytes.TrimSpace(last)) > 0 {
			out.WriteString(eol)
		}
	}
	writeBlock(&out, rules, eol)
	return out.Bytes(), nil
}

// InSync reports whether existing already holds exactly the block Generate
// would write for rules.
func InSync(existing []byte, rules []Rule) (bool, error) {
	want, err := Generate(existing, rules)
	if err != nil {
		return false, err
	}
	return bytes.Equal(existing, want), nil
}

// checkRule refuses a rule that would not read back as itself.
func checkRule(r Rule) error {
	if _, err := compilePattern(r.Pattern); err != nil {
		return fmt.Errorf("check rule %q: %w", r.Pattern, err)
	}
	for _, o := range r.Owners {
		parsed, err := ParseOwner(o.Value)
		if err != nil {
			return fmt.Errorf("check rule %q: %w", r.Pattern, err)
		}
		if parsed.Kind != o.Kind {
			return fmt.Errorf("check rule %q: owner %q is a %s, not a %s", r.Pattern, o.Value, parsed.Kind, o.Kind)
		}
	}
	return nil
}

// findBlock returns the indexes of the BEGIN and END lines, or -1, -1 when
// there is no block.
func findBlock(lines [][]byte) (begin, end int, err error) {
	begin, end = -1, -1
	for i, l := range lines {
		text := strings.TrimSpace(string(l))
		switch {
		case strings.HasPrefix(text, beginPrefix):
			switch {
			case begin >= 0 && end < 0:
				return -1, -1, fmt.Errorf("CODEOWNERS:%d: %w: second BEGIN marker before the END of the block opened on line %d", i+1, ErrMalformedBlock, begin+1)
			case begin >= 0:
				return -1, -1, fmt.Errorf("CODEOWNERS:%d: %w: second block (the first is on lines %d-%d)", i+1, ErrMalformedBlock, begin+1, end+1)
			}
			begin = i
		case strings.HasPrefix(text, EndMarker):
			switch {
			case begin < 0:
				return -1, -1, fmt.Errorf("CODEOWNERS:%d: %w: END marker without a BEGIN marker before it", i+1, ErrMalformedBlock)
			case end >= 0:
				return -1, -1, fmt.Errorf("CODEOWNERS:%d: %w: second END marker (the block ended on line %d)", i+1, ErrMalformedBlock, end+1)
			}
			end = i
		}
	}
	if begin >= 0 && end < 0 {
		return -1, -1, fmt.Errorf("CODEOWNERS:%d: %w: BEGIN marker without an END marker", begin+1, ErrMalformedBlock)
	}
	return begin, end, nil
}

// writeBlock writes the markers and the rules, owners aligned in a column.
func writeBlock(out *bytes.Buffer, rules []Rule, eol string) {
	width := 0
	for _, r := range rules {
		if len(r.Owners) > 0 {
			width = max(width, utf8.RuneCountInString(r.Pattern))
		}
	}
	out.WriteString(BeginMarker + eol)
	for _, r := range rules {
		out.WriteString(r.Pattern)
		// No owners: the pattern alone, without trailing blanks.
		if len(r.Owners) > 0 {
			out.WriteString(strings.Repeat(" ", width-utf8.RuneCountInString(r.Pattern)+1))
			for i, o := range r.Owners {
				if i > 0 {
					out.WriteByte(' ')
				}
				out.WriteString(o.Value)
			}
		}
		out.WriteString(eol)
	}
	out.WriteString(EndMarker + eol)
}

// lineEnding returns "\r\n" for a line that ends so, else "\n".
func lineEnding(line []byte) string {
	if bytes.HasSuffix(line, []byte("\r\n")) {
		return "\r\n"
	}
	return "\n"
}
