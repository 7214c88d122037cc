package load

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/gitrepo"
)

const record = `# yaml-language-server: $schema=../../schemas/exception.schema.json
exception_id: 0d6b8a4c-2e1f-4f3a-b5c7-9e8d1a2b3c4d
type: vulnerability_scan
vulnerabilities:
  - {cve: CVE-2024-1234, severity: High, component: library-v1.2.3}
  - cve: CVE-2019-18224
    severity: Critical
scope:
  environments: [staging, production]
expiry_date: 2026-04-06
created_at: 2026-01-06T00:00:00Z
"a/b~c": slash and tilde
`

func TestParseValues(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want any
	}{
		// yaml.v3 would make these time.Time, which JSON Schema rejects.
		{"date stays a string", "v: 2026-04-06", "2026-04-06"},
		{"timestamp stays a string", "v: 2026-01-06T00:00:00Z", "2026-01-06T00:00:00Z"},
		{"explicit timestamp tag stays a string", "v: !!timestamp 2026-01-06", "2026-01-06"},
		{"quoted number is a string", `v: "90"`, "90"},
		// YAML 1.1 booleans are plain strings in yaml.v3's 1.2 resolver.
		{"yes is a string", "v: yes", "yes"},
		{"int", "v: 90", int64(90)},
		{"negative int", "v: -7", int64(-7)},
		{"hex int", "v: 0x1F", int64(31)},
		{"int beyond int64 becomes a float", "v: 99999999999999999999", float64(1e20)},
		{"float", "v: 76.5", 76.5},
		{"exponent float", "v: 1e3", float64(1000)},
		{"true", "v: true", true},
		{"false", "v: false", false},
		{"null word", "v: null", nil},
		{"tilde", "v: ~", nil},
		{"empty value", "v:", nil},
		{"binary stays its text", "v: !!binary aGk=", "aGk="},
		{"flow list", "v: [a, 1, true]", []any{"a", int64(1), true}},
		{"flow map", "v: {a: 1}", map[string]any{"a": int64(1)}},
		{"non-string key becomes its text", "v: {1: one}", map[string]any{"1": "one"}},
		{"alias expands to a copy", "a: &x [1, 2]\nv: *x", []any{int64(1), int64(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse("f.yaml", []byte(tt.yaml))
			require.NoError(t, err)
			m, ok := doc.Value().(map[string]any)
			require.True(t, ok, "value is %T", doc.Value())
			assert.Equal(t, tt.want, m["v"])
		})
	}
}

func TestParsePositions(t *testing.T) {
	doc, err := Parse("r.yaml", []byte(record))
	require.NoError(t, err)
	tests := []struct {
		name      string
		pointer   string
		line, col int
		found     bool
	}{
		{"root is the top mapping, after the comment", "", 2, 1, true},
		{"top-level value", "/exception_id", 2, 15, true},
		{"value in a flow mapping in a list", "/vulnerabilities/0/cve", 5, 11, true},
		{"value in a block mapping in a list", "/vulnerabilities/1/severity", 7, 15, true},
		{"list item", "/vulnerabilities/1", 6, 5, true},
		{"item of a flow list", "/scope/environments/1", 9, 27, true},
		{"unquoted date", "/expiry_date", 10, 14, true},
		{"escaped key", "/a~1b~0c", 12, 10, true},
		// A missing field is reported at the mapping that should hold it.
		{"missing key points at its parent", "/vulnerabilities/1/component", 6, 5, false},
		{"index past the end points at the list", "/vulnerabilities/5", 5, 3, false},
		{"index into a scalar points at the scalar", "/type/0", 3, 7, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, found := doc.Locate(tt.pointer)
			assert.Equal(t, tt.found, found)
			line, col := doc.Pos(tt.pointer)
			assert.Equal(t, [2]int{tt.line, tt.col}, [2]int{line, col})
		})
	}
}

func TestKeyPos(t *testing.T) {
	doc, err := Parse("r.yaml", []byte(record))
	require.NoError(t, err)
	tests := []struct {
		name      string
		pointer   string
		key       string
		line, col int
	}{
		{"top-level key", "", "expiry_date", 10, 1},
		{"key in a block mapping in a list", "/vulnerabilities/1", "severity", 7, 5},
		{"key in a flow mapping", "/vulnerabilities/0", "component", 5, 42},
		{"nested key", "/scope", "environments", 9, 3},
		{"absent key points at its mapping", "/scope", "applications", 9, 3},
		{"key under an absent field points at the deepest node", "/risk", "exposure", 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, col := doc.KeyPos(tt.pointer, tt.key)
			assert.Equal(t, [2]int{tt.line, tt.col}, [2]int{line, col})
		})
	}
}

func TestParseCRLF(t *testing.T) {
	doc, err := Parse("f.yaml", []byte("a: 1\r\nb: [x, y]\r\n"))
	require.NoError(t, err)
	line, col := doc.Pos("/b/1")
	assert.Equal(t, [2]int{2, 8}, [2]int{line, col})
}

// An empty key is a legal YAML and JSON key; its pointer is "/", which must
// not be mistaken for the root.
func TestLocateEmptyKey(t *testing.T) {
	doc, err := Parse("f.yaml", []byte("a: 1\n\"\": {b: 2}\n"))
	require.NoError(t, err)
	n, found := doc.Locate("/")
	require.True(t, found)
	assert.Equal(t, [2]int{2, 5}, [2]int{n.Line, n.Column})
	line, col := doc.Pos("//b")
	assert.Equal(t, [2]int{2, 9}, [2]int{line, col})
}

func TestParseAliasWithinBudget(t *testing.T) {
	// A record may reuse an anchor legitimately; only a blow-up is refused.
	data := "common: &c {severity: High, component: lib}\nvulnerabilities:\n  - *c\n  - *c\n"
	doc, err := Parse("f.yaml", []byte(data))
	require.NoError(t, err)
	v := doc.Value().(map[string]any)["vulnerabilities"].([]any)
	require.Len(t, v, 2)
	assert.Equal(t, map[string]any{"severity": "High", "component": "lib"}, v[1])

	// 9^5 = 59,049 values: large but inside the budget.
	var b strings.Builder
	b.WriteString("l0: &a0 [x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 4; i++ {
		b.WriteString("l" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	_, err = Parse("f.yaml", []byte(b.String()))
	require.NoError(t, err)
}

// billionLaughs is the classic alias bomb: nine levels of nine aliases,
// 9^9 (387 million) strings once expanded, in under 1 KB.
func billionLaughs() string {
	var b strings.Builder
	b.WriteString(`lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for i := 1; i <= 8; i++ {
		prev, cur := string(rune('a'+i-1)), string(rune('a'+i))
		b.WriteString("l" + cur + ": &" + cur + " [")
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestParseAliasBombIsBounded(t *testing.T) {
	data := []byte(billionLaughs())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Parse("bomb.yaml", data)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	// The best of three runs: a busy machine can stall one run, but work
	// that grows without bound is slow in all.
	for i := 0; i < 2 && elapsed >= time.Second; i++ {
		start := time.Now()
		_, _ = Parse("bomb.yaml", data)
		elapsed = min(elapsed, time.Since(start))
	}

	var le *Error
	require.ErrorAs(t, err, &le)
	assert.Contains(t, le.Msg, "alias bomb")
	// The error points at the alias whose expansion crossed the budget
	// (the first *e on line 6), not somewhere inside the anchor it copies.
	assert.Equal(t, [2]int{6, 9}, [2]int{le.Line, le.Col}, le.Error())
	assert.Less(t, elapsed, time.Second, "alias bomb took %s", elapsed)
	// 100,000 values at well under 1 KB each; a bomb that expanded would
	// need gigabytes.
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(100<<20), "allocated %d bytes", after.TotalAlloc-before.TotalAlloc)
}

func TestParseErrors(t *testing.T) {
	deep := "v: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n"
	// More keys than are searched for duplicates one by one.
	var manyKeys string
	for i := range 40 {
		manyKeys += fmt.Sprintf("k%d: v\n", i)
	}
	tests := []struct {
		name      string
		data      string
		line, col int
		msg       string
	}{
		{"empty file", "", 0, 0, "empty file"},
		{"comments only", "# nothing\n# here\n", 0, 0, "empty file"},
		{"document marker only", "---\n", 2, 1, "the document is a null value"},
		{"UTF-8 byte order mark", "\xef\xbb\xbfa: 1\n", 1, 1, "byte order mark"},
		{"UTF-16 big endian", "\xfe\xff\x00a", 1, 1, "UTF-16"},
		{"UTF-16 little endian", "\xff\xfea\x00", 1, 1, "UTF-16"},
		{"invalid UTF-8 counts columns in characters", "a: 1\nb: é\xe9\n", 2, 5, "invalid UTF-8 byte 0xe9"},
		{"tab indentation", "a:\n  b: 1\n\tc: 2\n", 3, 1, "tab in indentation"},
		{"tab after spaces is still indentation", "a:\n  \tb: 1\n", 2, 3, "tab in indentation"},
		{"NUL byte", "a: b\x00c\n", 1, 5, "NUL byte"},
		{"several documents", "a: 1\n---\nb: 2\n", 2, 1, "several YAML documents"},
		{"document end then another", "a: 1\n...\n---\nb: 2\n", 3, 1, "several YAML documents"},
		// Without a marker, a parse that stops after the first node would
		// drop what follows a flow mapping or an indented one.
		{"text after a flow mapping", "{a: 1}\nb: 2\n", 2, 1, "invalid YAML: did not find expected <document start>"},
		{"text after an indented mapping", "  a: 1\nb: 2\n", 2, 1, "invalid YAML"},
		{"text after a tagged indented mapping", "!!map\n  exception_id: x\nexception_id: y\n", 3, 1, "invalid YAML"},
		{"text after an anchored indented mapping", "&x\n  a: 1\nb: 2\n", 3, 1, "invalid YAML"},
		{"a directive in the middle", "a: 1\n%YAML 1.2\n# c\n[x\n", 2, 1, "invalid YAML"},
		{"duplicate key names the first line", "a: 1\nb: 2\na: 3\n", 3, 1, `duplicate key "a" (first at line 1)`},
		{"duplicate key in a nested mapping", "a:\n  x: 1\n  y: 2\n  x: 3\n", 4, 3, `duplicate key "x" (first at line 2)`},
		{"duplicate key in a flow mapping", "a: {x: 1, x: 2}\n", 1, 11, `duplicate key "x" (first at line 1)`},
		{"duplicate key in a large mapping", manyKeys + "k7: again\n", 41, 1, `duplicate key "k7" (first at line 8)`},
		{"nesting deeper than the limit", deep, 1, 68, "nesting deeper than 64"},
		{"list root", "- a\n- b\n", 1, 1, "the document is a list"},
		{"scalar root", "hello\n", 1, 1, "the document is a plain value"},
		{"null root", "~\n", 1, 1, "the document is a null value"},
		{"merge key", "d: &d {a: 1}\n<<: *d\n", 2, 1, "merge keys (<<) are not supported"},
		{"complex key", "? [a, b]\n: c\n", 1, 3, "mapping keys must be plain strings"},
		{"alias as key", "a: &k x\n*k : y\n", 2, 1, "mapping keys must be plain strings"},
		{"custom tag", "a: !foo bar\n", 1, 4, "unsupported YAML tag !foo"},
		{"infinity", "a: .inf\n", 1, 4, ".inf is not a JSON number"},
		{"negative infinity", "a: -.Inf\n", 1, 4, "-.Inf is not a JSON number"},
		{"not a number", "a: .NaN\n", 1, 4, ".NaN is not a JSON number"},
		{"bad explicit int", "a: !!int abc\n", 1, 4, `invalid integer "abc"`},
		{"bad explicit bool", "a: !!bool maybe\n", 1, 4, `invalid boolean "maybe"`},
		// yaml.v3 counts the lines of parser errors from 0 and drops line
		// 0; scanner errors it counts from 1.
		{"unclosed flow list", "a: [1, 2\nb: 3\n", 2, 1, "invalid YAML: did not find expected ',' or ']'"},
		{"unclosed flow list on a later line", "x: 1\ny: 2\na: [1, 2\nb: 3\n", 3, 1, "invalid YAML: did not find expected ',' or ']'"},
		{"parser error on a later line", "x: 1\ny: 2\n- a\n", 3, 1, "invalid YAML: did not find expected key"},
		{"parser error on the first line", "]\n", 1, 1, "invalid YAML: did not find expected node content"},
		{"parser error at the end of a one-line file", "{a: 1", 1, 1, "invalid YAML: did not find expected ',' or '}'"},
		{"scanner error on the first line", "a: - b\n", 1, 1, "invalid YAML: block sequence entries are not allowed"},
		{"scanner error on a later line", "x: 1\ny: 2\nz: @a\n", 3, 1, "invalid YAML: found character that cannot start any token"},
		// yaml.v3 counts these as line breaks where git, GitHub and the
		// checks above count only \n: positions would disagree.
		{"carriage return without a line feed", "a: 1\rb: 2\n", 1, 5, "carriage return without a line feed"},
		{"carriage return at the end", "a: 1\r", 1, 5, "carriage return without a line feed"},
		{"next line character", "a: b\u0085c\n", 1, 5, "line break U+0085"},
		{"line separator", "a: b\u2028c\n", 1, 5, "line break U+2028"},
		{"paragraph separator", "a: b\u2029c\n", 1, 5, "line break U+2029"},
		{"control character", "a: b\x01c\n", 1, 5, "control character U+0001"},
		{"C1 control character", "a: b\u0080c\n", 1, 5, "control character U+0080"},
		{"noncharacter", "a: b\uFFFEc\n", 1, 5, "character U+FFFE"},
		{"bad indentation", "a: 1\n  b: 2\n", 2, 1, "invalid YAML: mapping values are not allowed"},
		// yaml.v3 gives no position for this one; Parse finds the alias.
		{"unknown anchor", "a: 1\nb: [x, *nope]\n", 2, 8, "unknown anchor 'nope'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse("f.yaml", []byte(tt.data))
			require.Error(t, err)
			assert.Nil(t, doc)
			var le *Error
			require.ErrorAs(t, err, &le)
			assert.Equal(t, "f.yaml", le.File)
			assert.Equal(t, [2]int{tt.line, tt.col}, [2]int{le.Line, le.Col}, le.Error())
			assert.Contains(t, le.Msg, tt.msg)
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	data := make([]byte, MaxFileSize+1)
	for i := range data {
		data[i] = 'a'
	}
	_, err := Parse("big.yaml", data)
	var le *Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "big.yaml: file is 1048577 bytes; records are limited to 1048576", le.Error())
}

func TestErrorString(t *testing.T) {
	assert.Equal(t, "f.yaml:3:7: bad", (&Error{File: "f.yaml", Line: 3, Col: 7, Msg: "bad"}).Error())
	assert.Equal(t, "f.yaml: bad", (&Error{File: "f.yaml", Msg: "bad"}).Error())
}

func TestClassify(t *testing.T) {
	tests := []struct {
		path    string
		record  bool
		problem string
	}{
		{"exceptions/vulnerability_scan/x.yaml", true, ""},
		{"exceptions/vulnerability_scan/x.yml", true, ""},
		{"exceptions/policy.yaml", false, ""},
		{"exceptions/README.md", false, ""},
		{"exceptions/vulnerability_scan/.gitkeep", false, ""},
		{"exceptions/vulnerability_scan/x.json", false, "JSON file"},
		{"exceptions/vulnerability_scan/x.txt", false, "not a record"},
		{"exceptions/vulnerability_scan/x.YAML", false, "not a record"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			record, problem := Classify(tt.path)
			assert.Equal(t, tt.record, record)
			if tt.problem == "" {
				assert.Empty(t, problem)
			} else {
				assert.Contains(t, problem, tt.problem)
			}
		})
	}
}

// writeFiles creates files (slash paths) under root.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
}

func problemsByFile(ps []*Error) map[string]string {
	out := map[string]string{}
	for _, p := range ps {
		out[p.File] = p.Msg
	}
	return out
}

func TestDirSourceList(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"secret.yaml": "a: 1\n", "dir/x.yaml": "a: 1\n"})
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"exceptions/policy.yaml":                 "version: 1\n",
		"exceptions/README.md":                   "# records\n",
		"exceptions/vulnerability_scan/a.yaml":   "a: 1\n",
		"exceptions/vulnerability_scan/b.yml":    "a: 1\n",
		"exceptions/vulnerability_scan/.gitkeep": "",
		"exceptions/gate_override/c.json":        "{}\n",
		"exceptions/gate_override/notes.txt":     "x\n",
		"docs/shared.yaml":                       "a: 1\n",
		"other/ignored.yaml":                     "a: 1\n",
	})
	links := map[string]string{
		"exceptions/cross_boundary/inside.yaml":  filepath.Join(root, "docs", "shared.yaml"),
		"exceptions/cross_boundary/outside.yaml": filepath.Join(outside, "secret.yaml"),
		"exceptions/cross_boundary/broken.yaml":  filepath.Join(root, "nowhere.yaml"),
		"exceptions/unsigned_package":            filepath.Join(outside, "dir"),
		"exceptions/cross_boundary/dir.yaml":     filepath.Join(root, "docs"),
	}
	for p, target := range links {
		full := filepath.Join(root, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.Symlink(target, full))
	}

	records, problems, err := DirSource{Root: root}.List()
	require.NoError(t, err)
	assert.Equal(t, []string{
		"exceptions/vulnerability_scan/a.yaml",
		"exceptions/vulnerability_scan/b.yml",
	}, records)
	got := problemsByFile(problems)
	assert.Len(t, got, 7, "%v", got)
	// Every link is refused wherever it points (a link in the repository
	// lets a change to its target, outside exceptions/, go unseen), a
	// linked folder as a whole, without listing what is in it, and
	// without saying whether the target exists.
	for _, p := range []string{"inside.yaml", "outside.yaml", "broken.yaml", "dir.yaml"} {
		assert.Equal(t, msgLink, got["exceptions/cross_boundary/"+p], p)
	}
	assert.Equal(t, msgLink, got["exceptions/unsigned_package"])
	assert.Contains(t, got["exceptions/gate_override/c.json"], "JSON file")
	assert.Contains(t, got["exceptions/gate_override/notes.txt"], "not a record")
	for _, p := range problems {
		assert.Zero(t, p.Line, "a layout problem concerns the whole file")
	}
}

// An exceptions folder that is a link or a file has no records to list,
// and says so: a link is not followed, in or out of the repository.
func TestDirSourceExceptionsNotAFolder(t *testing.T) {
	for name, make := range map[string]func(root string) error{
		"link in": func(root string) error {
			return os.Symlink(filepath.Join(root, "docs"), filepath.Join(root, "exceptions"))
		},
		"link out": func(root string) error { return os.Symlink(t.TempDir(), filepath.Join(root, "exceptions")) },
		"file":     func(root string) error { return os.WriteFile(filepath.Join(root, "exceptions"), []byte("x"), 0o644) },
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, map[string]string{"docs/vulnerability_scan/a.yaml": "a: 1\n"})
			require.NoError(t, make(root))
			want := msgLinkTop
			if name == "file" {
				want = msgFileTop
			}
			src := NewDirSource(root)
			require.NotNil(t, src.Layout())
			assert.Equal(t, want, src.Layout().Msg)
			records, problems, err := src.List()
			require.NoError(t, err)
			assert.Empty(t, records)
			assert.Equal(t, map[string]string{"exceptions": want}, problemsByFile(problems))
			_, err = src.Read("exceptions/vulnerability_scan/a.yaml")
			var le *Error
			require.ErrorAs(t, err, &le)
			assert.Equal(t, want, le.Msg)
		})
	}
	assert.Nil(t, NewDirSource(t.TempDir()).Layout(), "no exceptions folder is no problem")
	_, _, err := NewDirSource(filepath.Join(t.TempDir(), "nowhere")).List()
	assert.ErrorContains(t, err, "nowhere")
}

// A checkout without exceptions/ is the wrong repository or folder: the
// expiry bot or CI pointed at it must not report "nothing due, all valid".
func TestDirSourceListWithoutExceptionsFolder(t *testing.T) {
	root := t.TempDir()
	_, _, err := DirSource{Root: root}.List()
	require.Error(t, err)
	assert.Contains(t, err.Error(), root+" has no exceptions folder")

	require.NoError(t, os.Mkdir(filepath.Join(root, Dir), 0o755))
	records, problems, err := DirSource{Root: root}.List()
	require.NoError(t, err, "an empty exceptions folder is a repository with no records yet")
	assert.Empty(t, records)
	assert.Empty(t, problems)
}

func TestDirSourceRead(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"secret.yaml": "token: hunter2\n"})
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"exceptions/vulnerability_scan/a.yaml": "a: 1\n",
		"docs/shared.yaml":                     "shared: 1\n",
	})
	require.NoError(t, os.WriteFile(filepath.Join(root, "exceptions", "big.yaml"), make([]byte, MaxFileSize+1), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(root, "docs", "shared.yaml"), filepath.Join(root, "exceptions", "inside.yaml")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(root, "exceptions", "outside.yaml")))
	require.NoError(t, os.Symlink(filepath.Join(root, "docs"), filepath.Join(root, "exceptions", "dir.yaml")))
	require.NoError(t, os.Symlink(filepath.Join(root, "docs", "absent.yaml"), filepath.Join(root, "exceptions", "broken.yaml")))
	require.NoError(t, os.Symlink("inside.yaml", filepath.Join(root, "exceptions", "chain.yaml")))
	require.NoError(t, os.Symlink("outside.yaml", filepath.Join(root, "exceptions", "chain-out.yaml")))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "exceptions", "folder.yaml"), 0o755))
	// A linked folder on the way: the open alone would follow it.
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "exceptions", "out")))
	require.NoError(t, os.Symlink(filepath.Join(root, "docs"), filepath.Join(root, "exceptions", "in")))
	src := NewDirSource(root)

	tests := []struct {
		name     string
		path     string
		want     string
		notExist bool
		problem  string
	}{
		{name: "regular file", path: "exceptions/vulnerability_scan/a.yaml", want: "a: 1\n"},
		{name: "link inside the repository", path: "exceptions/inside.yaml", problem: msgLink},
		{name: "missing file", path: "exceptions/policy.yaml", notExist: true},
		{name: "too large", path: "exceptions/big.yaml", problem: "records are limited to 1048576"},
		// validate --base and PATH arguments read files that List never
		// vetted: a link out of the checkout must not leak a CI runner's
		// files into the output.
		{name: "link outside the repository", path: "exceptions/outside.yaml", problem: msgLink},
		{name: "link to a folder", path: "exceptions/dir.yaml", problem: msgLink},
		{name: "folder", path: "exceptions/folder.yaml", problem: "not a regular file"},
		// Whether the target exists is not told.
		{name: "broken link", path: "exceptions/broken.yaml", problem: msgLink},
		{name: "link to a link inside", path: "exceptions/chain.yaml", problem: msgLink},
		{name: "link to a link outside", path: "exceptions/chain-out.yaml", problem: msgLink},
		{name: "through a linked folder outside", path: "exceptions/out/secret.yaml", problem: msgLinkFolder},
		{name: "through a linked folder outside, again", path: "exceptions/out/secret.yaml", problem: msgLinkFolder},
		{name: "through a linked folder inside", path: "exceptions/in/shared.yaml", problem: msgLinkFolder},
		{name: "in a missing folder", path: "exceptions/absent/x.yaml", notExist: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := src.Read(tt.path)
			switch {
			case tt.notExist:
				assert.ErrorIs(t, err, fs.ErrNotExist)
			case tt.problem != "":
				var le *Error
				require.ErrorAs(t, err, &le)
				assert.True(t, strings.HasPrefix(tt.path, le.File), "%s names %s", le.File, tt.path)
				assert.Contains(t, le.Msg, tt.problem)
				assert.Nil(t, data)
			default:
				require.NoError(t, err)
				assert.Equal(t, tt.want, string(data))
			}
		})
	}

	t.Run("a relative root", func(t *testing.T) {
		t.Chdir(filepath.Join(root, "docs"))
		rel := NewDirSource("..")
		data, err := rel.Read("exceptions/vulnerability_scan/a.yaml")
		require.NoError(t, err)
		assert.Equal(t, "a: 1\n", string(data))
		_, err = rel.Read("exceptions/out/secret.yaml")
		assert.Error(t, err)
	})

	t.Run("a literal DirSource vets folders too", func(t *testing.T) {
		_, err := DirSource{Root: root}.Read("exceptions/out/secret.yaml")
		var le *Error
		require.ErrorAs(t, err, &le)
		assert.Equal(t, msgLinkFolder, le.Msg)
	})
}

// A named pipe under exceptions/ would block a reader forever.
func TestDirSourceReadNamedPipe(t *testing.T) {
	mkfifo, err := exec.LookPath("mkfifo")
	if err != nil {
		t.Skip("no mkfifo on this system")
	}
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "exceptions"), 0o755))
	require.NoError(t, exec.Command(mkfifo, filepath.Join(root, "exceptions", "pipe.yaml")).Run())
	done := make(chan error, 1)
	go func() {
		_, err := DirSource{Root: root}.Read("exceptions/pipe.yaml")
		done <- err
	}()
	select {
	case err := <-done:
		var le *Error
		require.ErrorAs(t, err, &le)
		assert.Equal(t, "not a regular file", le.Msg)
	case <-time.After(5 * time.Second):
		t.Fatal("Read blocked on a named pipe")
	}
}

// commitAll stages everything in the work tree and commits it with a fixed
// author and time, so hashes are stable.
func commitAll(t *testing.T, r *git.Repository, msg string, day int) string {
	t.Helper()
	wt, err := r.Worktree()
	require.NoError(t, err)
	require.NoError(t, wt.AddWithOptions(&git.AddOptions{All: true}))
	sig := &object.Signature{Name: "a", Email: "a@x", When: time.Date(2026, 1, day, 0, 0, 0, 0, time.UTC)}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig})
	require.NoError(t, err)
	return h.String()
}

func TestTreeSource(t *testing.T) {
	dir := t.TempDir()
	r, err := git.PlainInit(dir, false)
	require.NoError(t, err)
	writeFiles(t, dir, map[string]string{
		"exceptions/policy.yaml":               "version: 1\n",
		"exceptions/vulnerability_scan/a.yaml": "v: first\n",
		"exceptions/gate_override/b.yml":       "v: b\n",
		"exceptions/gate_override/c.json":      "{}\n",
		"README.md":                            "# repo\n",
	})
	first := commitAll(t, r, "first", 2)

	writeFiles(t, dir, map[string]string{
		"exceptions/vulnerability_scan/a.yaml": "v: second\n",
		"exceptions/cross_boundary/d.yaml":     "v: d\n",
	})
	require.NoError(t, os.Symlink("../vulnerability_scan/a.yaml", filepath.Join(dir, "exceptions", "cross_boundary", "link.yaml")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "exceptions", "cross_boundary", "big.yaml"), make([]byte, MaxFileSize+1), 0o644))
	commitAll(t, r, "second", 3)

	repo, err := gitrepo.Open(dir)
	require.NoError(t, err)

	t.Run("lists and reads the records of an older revision", func(t *testing.T) {
		src, err := NewTreeSource(repo, first)
		require.NoError(t, err)
		assert.Equal(t, first, src.Name())
		records, problems, err := src.List()
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"exceptions/vulnerability_scan/a.yaml", "exceptions/gate_override/b.yml"}, records)
		require.Len(t, problems, 1)
		assert.Equal(t, "exceptions/gate_override/c.json", problems[0].File)
		data, err := src.Read("exceptions/vulnerability_scan/a.yaml")
		require.NoError(t, err)
		assert.Equal(t, "v: first\n", string(data))
		_, err = src.Read("exceptions/cross_boundary/d.yaml")
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})

	t.Run("rejects a symbolic link entry and an oversize blob", func(t *testing.T) {
		src, err := NewTreeSource(repo, "HEAD")
		require.NoError(t, err)
		records, problems, err := src.List()
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{
			"exceptions/vulnerability_scan/a.yaml", "exceptions/gate_override/b.yml",
			"exceptions/cross_boundary/d.yaml", "exceptions/cross_boundary/big.yaml",
		}, records)
		got := problemsByFile(problems)
		assert.Contains(t, got["exceptions/cross_boundary/link.yaml"], "not a regular file at HEAD")
		data, err := src.Read("exceptions/vulnerability_scan/a.yaml")
		require.NoError(t, err)
		assert.Equal(t, "v: second\n", string(data))
		_, err = src.Read("exceptions/cross_boundary/big.yaml")
		var le *Error
		require.ErrorAs(t, err, &le)
		assert.Contains(t, le.Msg, "records are limited to")
	})

	t.Run("a revision without the folder is not a revision to list", func(t *testing.T) {
		writeFiles(t, dir, map[string]string{"README.md": "# changed\n"})
		wt, err := r.Worktree()
		require.NoError(t, err)
		_, err = wt.Remove("exceptions")
		require.NoError(t, err)
		third := commitAll(t, r, "third", 4)
		src, err := NewTreeSource(repo, third)
		require.NoError(t, err)
		_, _, err = src.List()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "has no exceptions folder")
	})

	t.Run("an unknown revision is an error", func(t *testing.T) {
		_, err := NewTreeSource(repo, "no-such-branch")
		require.Error(t, err)
		var le *Error
		assert.False(t, errors.As(err, &le), "a bad revision is not a file problem")
	})
}

// plainText's eight-bytes-at-a-time walk answers as the byte-by-byte one
// does, at every alignment of every kind of byte it must stop at.
func TestPlainTextWordsAgreeWithBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, alphabet := range [][]byte{
		{' ', ' ', ' ', 'a', 'z', '~', '!', '\t', '\n', '\n', '\r', 0x00, 0x0b, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0x8a, 0xa0, 0xc3, 0xff},
		// Mostly what records are made of: lines, indentation, a rare tab.
		{' ', ' ', ' ', ' ', 'a', '-', ':', '\n', '\n', '\t'},
	} {
		for range 100000 {
			data := make([]byte, rng.IntN(40))
			for i := range data {
				data[i] = alphabet[rng.IntN(len(alphabet))]
			}
			atLineStart := true
			want := plainBytes(data, &atLineStart)
			if got := plainText(data); got != want {
				t.Fatalf("plainText(%q) = %v, byte by byte %v", data, got, want)
			}
		}
	}
	for _, b := range []byte{0x00, 0x1f, 0x7f, 0x80, 0xff} {
		for at := range 16 {
			data := bytes.Repeat([]byte("a"), 16)
			data[at] = b
			assert.False(t, plainText(data), "byte 0x%02x at %d", b, at)
		}
	}
}

// A Document built without a parse has no value rather than a panic.
func TestZeroDocumentValue(t *testing.T) {
	assert.Nil(t, (&Document{Path: "x.yaml"}).Value())
}

// hasDocumentMarker finds a marker at the start of any line, as reading
// the text line by line does.
func TestHasDocumentMarkerAgreesWithLines(t *testing.T) {
	byLines := func(data []byte) bool {
		for line := range bytes.Lines(data) {
			if bytes.HasPrefix(line, []byte("---")) || bytes.HasPrefix(line, []byte("...")) || bytes.HasPrefix(line, []byte("%")) {
				return true
			}
		}
		return false
	}
	alphabet := []byte("-.%\n\r a")
	rng := rand.New(rand.NewPCG(5, 6))
	for range 50000 {
		data := make([]byte, rng.IntN(12))
		for i := range data {
			data[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if got, want := hasDocumentMarker(data), byLines(data); got != want {
			t.Fatalf("hasDocumentMarker(%q) = %v, line by line %v", data, got, want)
		}
	}
}
