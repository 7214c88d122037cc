// Package validate checks exception records and the policy: the JSON
// Schema, the semantic rules of the process, and, given the base version of
// a change, what the change may do. It does no I/O: callers hand it bytes.
package validate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Level is how serious a finding is.
type Level int

// Levels of findings. Errors fail validation; warnings do not.
const (
	Error Level = iota
	Warning
)

func (l Level) String() string {
	if l == Warning {
		return "warning"
	}
	return "error"
}

// MarshalText makes levels readable in JSON output.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// Finding is one problem at a position in a file.
type Finding struct {
	File  string `json:"file"`
	Line  int    `json:"line,omitempty"`
	Col   int    `json:"column,omitempty"`
	Level Level  `json:"level"`
	Rule  string `json:"rule"`
	Msg   string `json:"message"`
}

func (f Finding) String() string {
	file := Printable(f.File)
	pos := file
	if f.Line > 0 {
		pos = fmt.Sprintf("%s:%d:%d", file, f.Line, f.Col)
	}
	return fmt.Sprintf("%s: %s: %s: %s", pos, f.Level, f.Rule, Printable(f.Msg))
}

// Printable writes control characters, and the invisible characters that
// reorder or break lines on a terminal (bidirectional overrides, line and
// paragraph separators), as Go escapes, so that a file name or a value
// quoted in output (a pull request chooses both) cannot start a line of its
// own, move the cursor or disguise what is shown.
//
// Bytes that are not UTF-8 are written as \x escapes too: some terminals
// act on 8-bit control bytes such as 0x9b.
func Printable(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, hidden) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case hidden(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// Dedupe drops a finding equal to the one before it: sorted, the same
// finding reached by two checks (a record's rules and a change's) is
// reported once.
func Dedupe(fs []Finding) []Finding {
	out := fs[:0]
	for _, f := range fs {
		if len(out) > 0 && f == out[len(out)-1] {
			continue
		}
		out = append(out, f)
	}
	return out
}

// Sort orders findings by file, position and rule so output is stable.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		// Two schema failures of one value come from the library in map
		// order: the message settles their order.
		return a.Msg < b.Msg
	})
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Level == Error {
			return true
		}
	}
	return false
}
