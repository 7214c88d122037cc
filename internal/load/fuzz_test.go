package load

import (
	"bytes"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// seedCorpus adds the bundled example records and every file of the
// validator's bad-input corpus.
func seedCorpus(f *testing.F) {
	f.Helper()
	n := 0
	for _, root := range []string{"../../exceptions", "../validate/testdata/bad"} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Name() == "want.txt" {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			f.Add(data)
			n++
			return nil
		})
		require.NoError(f, err)
	}
	require.Greater(f, n, 40, "seed corpus not found")
	for _, s := range []string{
		"a: &x {b: *x}\n",
		"a: [*x]\n",
		"? a\n: b\n",
		"a: !!binary aGk=\nb: !!float 1\nc: !!int 0o17\n",
		"\"\": {\"~1/\": 1}\n",
		"a: |\n  text\n\tmore\n",
		"a: 'x'\r\nb: 2\r\n",
		"%YAML 1.2\n---\na: 1\n",
	} {
		f.Add([]byte(s))
	}
}

// FuzzParse checks that Parse never panics, returns either a document
// holding only JSON values or a positioned *Error, and that every value it
// returns can be located again in the YAML.
func FuzzParse(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse("f.yaml", data)
		if err != nil {
			require.Nil(t, doc)
			var le *Error
			if !errors.As(err, &le) {
				t.Fatalf("error is %T, want *load.Error: %v", err, err)
			}
			if le.File != "f.yaml" || le.Line < 0 || le.Col < 0 || (le.Line > 0 && le.Col < 1) {
				t.Fatalf("bad position in %#v", le)
			}
			if lines := bytes.Count(data, []byte("\n")) + 2; le.Line > lines {
				t.Fatalf("line %d past the end of a %d-line file: %v", le.Line, lines-1, le)
			}
			if le.Msg == "" {
				t.Fatal("empty message")
			}
			return
		}
		require.NotNil(t, doc)
		require.NotNil(t, doc.Root)
		if _, ok := doc.Value().(map[string]any); !ok {
			t.Fatalf("value is %T, want a mapping", doc.Value())
		}
		checkValue(t, doc, "", doc.Value())
	})
}

// FuzzSingleDocument holds parseOne's shortcut for a block mapping to the
// stream decoder it skips: wherever the shortcut answers, the stream gives
// the same node tree and no error.
func FuzzSingleDocument(f *testing.F) {
	seedCorpus(f)
	for _, s := range []string{"a: 1\n", "", "# only a comment\n", "a: [1, 2\n", "a: &x 1\nb: *x\n",
		"a: *missing\n", "\"\"00", "{a: 1}\nb: 2\n", "  a: 1\nb: 2\n", "!!map\na: 1\n", "a: |\n  ---\n",
		"!!map\n  a: x\nb: y\n", "&x\n  a: 1\nb: 2\n", "&x\n  a: 1\n- b\n", "a: 1\n%YAML 1.2\n# c\n[x\n", "? a\n: 1\nb: 2\n",
		"# schema\na: 1\n", "# one\n#two\n\n# three\na: 1\n", "#\n#\n", "# c\r\na: 1\r\n", "#c\n  a: 1\nb: 2\n", "# c\n- a\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if hasDocumentMarker(data) || checkText("f.yaml", data) != nil {
			return
		}
		single, ok := parseSingle(data)
		if !ok {
			return
		}
		stream, err := parseStream("f.yaml", data)
		require.NoError(t, err, "the one parse accepted what the stream refuses")
		require.Equal(t, stream, single)

		// Without its first line's comment the text parses to the same
		// nodes at the same positions, less the comments.
		skipped, ok := parseSingle(data[leadingComment(data):])
		require.True(t, ok, "skipping the first line's comment changed the parse")
		dropComments(&single)
		dropComments(&skipped)
		require.Equal(t, single, skipped)
	})
}

func dropComments(n *yaml.Node) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	for _, c := range n.Content {
		dropComments(c)
	}
}

// checkValue asserts that v holds only JSON types and that its pointer
// resolves to a node, so every schema error can be given a position.
func checkValue(t *testing.T, doc *Document, ptr string, v any) {
	t.Helper()
	if n, ok := doc.Locate(ptr); !ok || n.Line < 1 || n.Column < 1 {
		t.Fatalf("pointer %q does not resolve to a position", ptr)
	}
	switch v := v.(type) {
	case map[string]any:
		for k, item := range v {
			checkValue(t, doc, ptr+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k), item)
		}
	case []any:
		for i, item := range v {
			checkValue(t, doc, ptr+"/"+strconv.Itoa(i), item)
		}
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			t.Fatalf("%s: %v is not a JSON number", ptr, v)
		}
	case string, int64, bool, nil:
	default:
		t.Fatalf("%s: value of type %T", ptr, v)
	}
}
