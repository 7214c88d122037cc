package codeowners

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// seedFiles adds every real CODEOWNERS file in testdata to the corpus.
func seedFiles(f *testing.F) {
	f.Helper()
	names, err := filepath.Glob("testdata/*.CODEOWNERS")
	require.NoError(f, err)
	require.NotEmpty(f, names)
	for _, n := range names {
		data, err := os.ReadFile(n)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte("* @a\r\n!x @b\n*.[ch] @c\n\\#x @d\n/x/ foo # c\n\xef\xbb\xbf"))
	f.Add([]byte(BeginMarker + "\n/x/ @a\n" + EndMarker + "\n"))
}

// FuzzParse checks that no input panics, that line numbers are sane, and
// that what Parse accepts survives a trip through Generate and back.
func FuzzParse(f *testing.F) {
	seedFiles(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(bytes.NewReader(data))
		var perrs ParseErrors
		if err != nil && !errors.As(err, &perrs) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		require.NotNil(t, file)

		lines := bytes.Count(data, []byte("\n")) + 1
		prev := 0
		for _, e := range perrs {
			if e.Line < prev || e.Line < 1 || e.Line > lines {
				t.Fatalf("error line %d out of order or range (%d lines)", e.Line, lines)
			}
			prev = e.Line
		}
		rules := file.Rules()
		prev = 0
		for _, r := range rules {
			if r.Line <= prev || r.Line > lines {
				t.Fatalf("rule line %d out of order or range (%d lines)", r.Line, lines)
			}
			prev = r.Line
		}

		// Every accepted rule can be written by Generate and reads back the same.
		out, err := Generate(nil, rules)
		require.NoError(t, err)
		back, err := Parse(bytes.NewReader(out))
		require.NoError(t, err, "generated:\n%s", out)
		got := back.Rules()
		require.Len(t, got, len(rules))
		for i := range rules {
			require.Equal(t, rules[i].Pattern, got[i].Pattern)
			require.Equal(t, rules[i].Owners, got[i].Owners)
		}

		// Match never panics, on paths taken from the input itself.
		for _, r := range rules {
			p := strings.NewReplacer(`\`, "", "*", "x", "?", "y").Replace(r.Pattern)
			file.Match(p)
			file.Match(p + "/z")
		}
	})
}

// FuzzMatch checks the matcher against the regular-expression oracle and
// that it stays fast whatever the pattern.
func FuzzMatch(f *testing.F) {
	data, err := os.ReadFile("testdata/hmarr-patterns.json")
	require.NoError(f, err)
	var vectors []patternVector
	require.NoError(f, json.Unmarshal(data, &vectors))
	for _, v := range vectors {
		for path := range v.Paths {
			f.Add(v.Pattern, path)
		}
	}
	seeds := [][2]string{
		{"a/**/**/**/**/**/**/**/**/**/b", strings.Repeat("a/", 50) + "c"},
		{"*a*a*a*a*a*b", strings.Repeat("a", 200)},
		{"foo/**/bar/b*", "foo/qux/bar/baz"},
		{"/*/", "bar/foo/baz"},
		{"docs/*", "docs/a/b"},
		{`f\*o`, "f*o"},
		{"**", "x"},
		{"/apps/github", "apps/github/x"},
		{`\[x\]/`, "a/[x]/b"},
		{"a?c", "aéc"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pat, path string) {
		// Long inputs add nothing the pathological tests do not cover, and
		// the fuzzer's minimisation of them is quadratic: it stalls the run.
		if len(pat) > 256 || len(path) > 512 {
			t.Skip()
		}
		p, err := compilePattern(pat)
		if err != nil {
			return
		}
		start := time.Now()
		got := p.match(path)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("match(%q, %q) took %v", pat, path, d)
		}
		if utf8.ValidString(pat) && utf8.ValidString(path) {
			if want := oracleMatch(t, p, path); got != want {
				t.Fatalf("match(%q, %q) = %v, oracle says %v", pat, path, got, want)
			}
		}

		// Through Parse, the same pattern decides the same way.
		file, err := Parse(strings.NewReader(pat + " @o"))
		require.NoError(t, err)
		_, ok := file.Match(path)
		if ok != got {
			t.Fatalf("File.Match(%q) with pattern %q = %v, pattern.match = %v", path, pat, ok, got)
		}
	})
}

// FuzzGenerate checks that Generate either refuses an existing file or
// produces one that is in sync, stable, and keeps the text before the block.
func FuzzGenerate(f *testing.F) {
	seedFiles(f)
	f.Fuzz(func(t *testing.T, existing []byte) {
		out, err := Generate(existing, managedRules)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformedBlock)
			return
		}
		again, err := Generate(out, managedRules)
		require.NoError(t, err)
		require.Equal(t, string(out), string(again))

		lines := slices.Collect(bytes.Lines(existing))
		begin, _, err := findBlock(lines)
		require.NoError(t, err)
		if begin < 0 {
			require.True(t, bytes.HasPrefix(out, existing), "appending keeps the file as a prefix")
			return
		}
		var before []byte
		for _, l := range lines[:begin] {
			before = append(before, l...)
		}
		require.True(t, bytes.HasPrefix(out, before), "the text before the block is kept")
	})
}
