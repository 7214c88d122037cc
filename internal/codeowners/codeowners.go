// Package codeowners reads GitHub CODEOWNERS files and writes the block of
// rules exctl manages in them.
//
// Matching follows GitHub, not plain gitignore, because GitHub is what
// requests the reviews: the last matching rule wins, a rule with no owners
// un-owns what it matches, "docs/*" does not reach into subdirectories of
// docs/, and lines GitHub would not honour ("!" negation, "[ ]" character
// ranges, "\#", unknown owner forms) are reported with their line number
// and skipped, as GitHub skips lines with errors.
package codeowners

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// MaxSize is the largest CODEOWNERS file GitHub loads (3 MB); GitHub ignores
// a larger file, so exctl refuses it rather than enforce rules GitHub does not.
const MaxSize = 3 << 20

// ErrTooLarge reports a CODEOWNERS file over MaxSize.
var ErrTooLarge = errors.New("CODEOWNERS file exceeds 3 MB")

// Rule is one pattern line of a CODEOWNERS file.
type Rule struct {
	// Pattern is the pattern as written, escapes included.
	Pattern string
	// Owners are the owners in the order written; any one of them may
	// approve. An empty list un-owns the paths the rule matches.
	Owners []Owner
	// Line is the 1-based line the rule was read from; 0 for a rule built
	// in code.
	Line int
}

// File is a parsed CODEOWNERS file.
type File struct {
	rules    []Rule
	patterns []pattern // patterns[i] is rules[i].Pattern compiled
}

// Rules returns the valid rules in file order.
func (f *File) Rules() []Rule {
	return append([]Rule(nil), f.rules...)
}

// Match returns the rule that decides who owns path: the last rule whose
// pattern matches it. path is relative to the repository root and
// slash-separated ("exceptions/policy.yaml"); matching is case-sensitive, as
// on GitHub. ok is false when no rule matches. A matching rule with no
// owners means the path is deliberately un-owned.
func (f *File) Match(path string) (rule Rule, ok bool) {
	for i := len(f.patterns) - 1; i >= 0; i-- {
		if f.patterns[i].match(path) {
			return f.rules[i], true
		}
	}
	return Rule{}, false
}

// Owners returns the owners of path, nil when no rule matches or the
// matching rule un-owns it.
func (f *File) Owners(path string) []Owner {
	r, _ := f.Match(path)
	return r.Owners
}

// ParseError is a problem on one line of a CODEOWNERS file.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("CODEOWNERS:%d: %s", e.Line, e.Msg)
}

// ParseErrors is every line error of one file, in line order. errors.As
// reaches each *ParseError through Unwrap.
type ParseErrors []*ParseError

func (es ParseErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap exposes the line errors to errors.Is and errors.As.
func (es ParseErrors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// Parse reads a CODEOWNERS file.
//
// A line with an error is skipped, as GitHub skips it, and parsing goes on:
// when the error is a ParseErrors, the returned File holds every valid rule
// and is usable. Any other error (reading r, ErrTooLarge) comes with a nil
// File.
func Parse(r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read CODEOWNERS: %w", err)
	}
	if len(data) > MaxSize {
		return nil, ErrTooLarge
	}
	// Editors on Windows may start the file with a byte order mark; it is
	// not part of the first pattern.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))

	f := &File{}
	var errs ParseErrors
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		rule, pat, lineErrs := parseLine(string(line))
		if len(lineErrs) > 0 {
			for _, msg := range lineErrs {
				errs = append(errs, &ParseError{Line: lineNo, Msg: msg})
			}
			continue
		}
		if rule.Pattern == "" {
			continue // blank or comment
		}
		rule.Line = lineNo
		f.rules = append(f.rules, rule)
		f.patterns = append(f.patterns, pat)
	}
	if len(errs) > 0 {
		return f, errs
	}
	return f, nil
}

// parseLine parses one line (without its "\n"). A blank or comment line
// gives a zero Rule and no errors.
func parseLine(line string) (Rule, pattern, []string) {
	fields := splitFields(line)
	if len(fields) == 0 || fields[0][0] == '#' {
		return Rule{}, pattern{}, nil
	}
	var rule Rule
	var msgs []string
	rule.Pattern = fields[0]
	pat, err := compilePattern(rule.Pattern)
	if err != nil {
		msgs = append(msgs, fmt.Sprintf("invalid pattern %q: %v", rule.Pattern, err))
	}
	for _, f := range fields[1:] {
		// " #" starts an inline comment; a "#" inside a field does not.
		if f[0] == '#' {
			break
		}
		o, err := ParseOwner(f)
		if err != nil {
			msgs = append(msgs, err.Error())
			continue
		}
		rule.Owners = append(rule.Owners, o)
	}
	if len(msgs) > 0 {
		return Rule{}, pattern{}, msgs
	}
	return rule, pat, nil
}

// splitFields splits a line at unescaped whitespace. A backslash keeps the
// next byte in the field, so "my\ file" is one pattern, and the backslash
// stays in the field for the pattern compiler to interpret.
func splitFields(line string) []string {
	var fields []string
	start := -1
	for i := 0; i < len(line); i++ {
		c := line[i]
		if isSpace(c) {
			if start >= 0 {
				fields = append(fields, line[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
		if c == '\\' && i+1 < len(line) {
			i++
		}
	}
	if start >= 0 {
		fields = append(fields, line[start:])
	}
	return fields
}

// isSpace reports the bytes that separate fields; "\r" is one of them so
// that CRLF files parse like LF files.
func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\f', '\v':
		return true
	}
	return false
}

// locations lists where GitHub looks for CODEOWNERS, in its order of
// precedence: the first that exists is used and the others are ignored.
var locations = [...]string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}

// Find returns the CODEOWNERS file GitHub would use in fsys, the root of a
// repository checkout or tree. When there is none, the error wraps
// fs.ErrNotExist. Any other failure to read a candidate is returned rather
// than passed over, since the next candidate is not the file GitHub uses.
func Find(fsys fs.FS) (path string, data []byte, err error) {
	for _, p := range locations {
		data, err := readLimited(fsys, p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("read %s: %w", p, err)
		}
		return p, data, nil
	}
	return "", nil, fmt.Errorf("find CODEOWNERS in %s: %w", strings.Join(locations[:], ", "), fs.ErrNotExist)
}

func readLimited(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, ErrTooLarge
	}
	return data, nil
}
