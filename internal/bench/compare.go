package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Each tool says in its own way which files are invalid; these readers turn
// its output into a set of record paths relative to the corpus, so the sets
// can be compared with the planted one.

// ExctlInvalid reads `exctl validate --format json`: the files with at
// least one error (warnings do not make a file invalid).
func ExctlInvalid(out []byte) (map[string]bool, error) {
	var report struct {
		Findings []struct {
			File  string `json:"file"`
			Level string `json:"level"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		return nil, fmt.Errorf("read exctl output: %w", err)
	}
	set := map[string]bool{}
	for _, f := range report.Findings {
		if f.Level == "error" {
			set[f.File] = true
		}
	}
	return set, nil
}

// AjvInvalid reads ajv-cli's stderr, where every failing file is announced
// as "<file> invalid" followed by its errors.
func AjvInvalid(stderr []byte, dir string) map[string]bool {
	set := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if file, ok := strings.CutSuffix(sc.Text(), " invalid"); ok && !strings.ContainsAny(file, " {[") {
			set[relTo(dir, file)] = true
		}
	}
	return set
}

// JSONSchemaInvalid reads the text output of `jsonschema validate
// --continue`, which announces every failing instance as "fail: <file>".
// (Its --json output adds every annotation of every valid file, which would
// time the printing rather than the validation.)
func JSONSchemaInvalid(out []byte, dir string) map[string]bool {
	set := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if file, ok := strings.CutPrefix(sc.Text(), "fail: "); ok {
			set[relTo(dir, strings.TrimSpace(file))] = true
		}
	}
	return set
}

// relTo makes a tool's file name relative to the corpus directory.
func relTo(dir, file string) string {
	if filepath.IsAbs(file) {
		if rel, err := filepath.Rel(dir, file); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(filepath.Clean(file))
}

// Agreement compares a tool's invalid set with the planted one.
type Agreement struct {
	Found   int      // files the tool called invalid
	Missed  []string // planted, not found
	Extra   []string // found, not planted
	Planted int
}

// Agrees reports whether the tool found exactly the planted files.
func (a Agreement) Agrees() bool { return len(a.Missed) == 0 && len(a.Extra) == 0 }

func (a Agreement) String() string {
	if a.Agrees() {
		return fmt.Sprintf("%d, same as planted", a.Found)
	}
	return fmt.Sprintf("%d: %d missed, %d extra", a.Found, len(a.Missed), len(a.Extra))
}

// Compare sets a tool's findings against the planted files.
func Compare(c *Corpus, found map[string]bool) Agreement {
	a := Agreement{Found: len(found), Planted: len(c.Invalid)}
	for p := range c.Invalid {
		if !found[p] {
			a.Missed = append(a.Missed, p)
		}
	}
	for p := range found {
		if _, ok := c.Invalid[p]; !ok {
			a.Extra = append(a.Extra, p)
		}
	}
	sort.Strings(a.Missed)
	sort.Strings(a.Extra)
	return a
}
