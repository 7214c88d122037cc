// Package validate checks exception records and the policy: the JSON
// Schema, the semantic rules of the process, and, given the base version of
// a change, what the change may do. It does no I/O: callers hand it bytes.
package validate

import (
	"fmt"
	"sort"
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
	pos := f.File
	if f.Line > 0 {
		pos = fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Col)
	}
	return fmt.Sprintf("%s: %s: %s: %s", pos, f.Level, f.Rule, f.Msg)
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
