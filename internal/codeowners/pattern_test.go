package codeowners

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// patternVector is one case of testdata/hmarr-patterns.json, the pattern
// tests of github.com/hmarr/codeowners.
type patternVector struct {
	Name    string          `json:"name"`
	Pattern string          `json:"pattern"`
	Paths   map[string]bool `json:"paths"`
}

// escapeBrackets is the form GitHub accepts of a pattern with literal
// brackets.
func escapeBrackets(p string) string {
	return strings.NewReplacer("[", `\[`, "]", `\]`).Replace(p)
}

func TestPatternVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/hmarr-patterns.json")
	require.NoError(t, err)
	var vectors []patternVector
	require.NoError(t, json.Unmarshal(data, &vectors))
	require.NotEmpty(t, vectors)

	checked := 0
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			pattern := v.Pattern
			if strings.ContainsAny(pattern, "[]") {
				// hmarr matches unescaped brackets literally; GitHub flags
				// them ("both [ and ] must be escaped with a \") and skips
				// the line. The vector's paths are checked against the
				// escaped form, which means what hmarr's pattern means.
				_, err := compilePattern(pattern)
				require.ErrorIs(t, err, errBracket)
				pattern = escapeBrackets(pattern)
			}
			pat, err := compilePattern(pattern)
			require.NoError(t, err)
			paths := make([]string, 0, len(v.Paths))
			for p := range v.Paths {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			for _, path := range paths {
				t.Run(path, func(t *testing.T) {
					assert.Equal(t, v.Paths[path], pat.match(path), "pattern %q path %q", pattern, path)
					assert.Equal(t, v.Paths[path], oracleMatch(t, pat, path), "oracle: pattern %q path %q", pattern, path)
					checked++
				})
			}
		})
	}
	t.Logf("checked %d pattern/path vectors from %d patterns", checked, len(vectors))
}

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		match   []string
		noMatch []string
	}{
		{
			name:    "star does not cross slash",
			pattern: "/src/*.go",
			match:   []string{"src/main.go"},
			noMatch: []string{"src/cmd/main.go", "main.go"},
		},
		{
			name:    "trailing bare star owns one level only (GitHub docs/*)",
			pattern: "docs/*",
			match:   []string{"docs/getting-started.md"},
			noMatch: []string{"docs/build-app/troubleshooting.md", "docs"},
		},
		{
			name:    "star that is not bare still owns a matching directory",
			pattern: "docs/*.d",
			match:   []string{"docs/conf.d", "docs/conf.d/x.yaml"},
			noMatch: []string{"docs/conf.e"},
		},
		{
			name:    "unanchored name at any depth, as file or directory",
			pattern: "CODEOWNERS",
			match:   []string{"CODEOWNERS", ".github/CODEOWNERS", "a/CODEOWNERS/b"},
			noMatch: []string{"CODEOWNERS.md", "xCODEOWNERS"},
		},
		{
			name:    "interior slash anchors to the root",
			pattern: "exceptions/policy.yaml",
			match:   []string{"exceptions/policy.yaml"},
			noMatch: []string{"vendor/exceptions/policy.yaml", "exceptions/policy.yml"},
		},
		{
			name:    "trailing slash owns the directory's contents only",
			pattern: "/exceptions/cross_boundary/",
			match:   []string{"exceptions/cross_boundary/a.yaml", "exceptions/cross_boundary/x/y.yaml"},
			noMatch: []string{"exceptions/cross_boundary", "exceptions/cross_boundary.yaml", "exceptions/gate_override/a.yaml"},
		},
		{
			name:    "double star matches zero segments in the middle",
			pattern: "a/**/b",
			match:   []string{"a/b", "a/x/b", "a/x/y/z/b", "a/b/c"},
			noMatch: []string{"x/a/b", "a/bc"},
		},
		{
			name:    "many double stars",
			pattern: "a/**/**/**/b",
			match:   []string{"a/b", "a/x/b", "a/x/y/b/c"},
			noMatch: []string{"a", "b/a/b"},
		},
		{
			name:    "triple star is a plain star",
			pattern: "/a/***",
			match:   []string{"a/x"},
			noMatch: []string{"a/x/y", "a"},
		},
		{
			name:    "question mark is one character, never a slash",
			pattern: "/a?c",
			match:   []string{"abc", "aéc"},
			noMatch: []string{"a/c", "ac", "abbc"},
		},
		{
			name:    "escaped space",
			pattern: `/my\ file.txt`,
			match:   []string{"my file.txt"},
			noMatch: []string{"myfile.txt"},
		},
		{
			name:    "escaped brackets and bang are literal",
			pattern: `/pages/\[id\]/\!x`,
			match:   []string{"pages/[id]/!x"},
			noMatch: []string{"pages/i/!x"},
		},
		{
			name:    "hash inside a pattern is literal",
			pattern: "/c#/x",
			match:   []string{"c#/x"},
		},
		{
			name:    "case-sensitive like GitHub",
			pattern: "/Docs/",
			match:   []string{"Docs/a"},
			noMatch: []string{"docs/a"},
		},
		{
			name:    "leading slash in the path is ignored",
			pattern: "/a",
			match:   []string{"/a", "a"},
		},
		{
			name:    "empty path never matches",
			pattern: "*",
			noMatch: []string{"", "/"},
		},
		{
			name:    "star inside a segment backtracks",
			pattern: "*a*a*b",
			match:   []string{"aab", "xaxaxb", "d/aaaab"},
			noMatch: []string{"aaaa", "ab"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pat, err := compilePattern(tt.pattern)
			require.NoError(t, err)
			for _, p := range tt.match {
				assert.True(t, pat.match(p), "%q should match %q", tt.pattern, p)
				assert.True(t, oracleMatch(t, pat, p), "oracle: %q should match %q", tt.pattern, p)
			}
			for _, p := range tt.noMatch {
				assert.False(t, pat.match(p), "%q should not match %q", tt.pattern, p)
				assert.False(t, oracleMatch(t, pat, p), "oracle: %q should not match %q", tt.pattern, p)
			}
		})
	}
}

func TestCompilePatternErrors(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    error
	}{
		{name: "negation", pattern: "!foo", want: errNegation},
		{name: "escaped leading hash", pattern: `\#foo`, want: errEscapedHash},
		{name: "leading hash", pattern: "#foo", want: errLeadingHash},
		{name: "character range", pattern: "*.[ch]", want: errBracket},
		{name: "lone closing bracket", pattern: "a]", want: errBracket},
		{name: "trailing backslash", pattern: `foo\`, want: errTrailingEscape},
		{name: "escaped slash", pattern: `a\/b`, want: errEscapedSlash},
		{name: "escaped carriage return of a CRLF line", pattern: "foo\\\r", want: errTrailingEscape},
		{name: "root only", pattern: "/", want: errEmptyPattern},
		{name: "double slash only", pattern: "//", want: errEmptyPattern},
		{name: "empty", pattern: "", want: errEmptyPattern},
		{name: "empty segment", pattern: "a//b", want: errEmptySegment},
		{name: "whitespace", pattern: "a b", want: errPatternHasSpace},
		{name: "newline", pattern: "a\nb", want: errPatternHasSpace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compilePattern(tt.pattern)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

// TestPatternPathological guards against matchers that backtrack over every
// way to split a path among several "**" (exponential) or several "*".
func TestPatternPathological(t *testing.T) {
	deep := strings.Repeat("a/", 2000) + "c"
	long := strings.Repeat("a", 20000)
	tests := []struct {
		name    string
		pattern string
		path    string
		want    bool
	}{
		{name: "many globstars, deep miss", pattern: "a/**/**/**/**/**/**/**/**/**/b", path: deep, want: false},
		{name: "many globstars, deep hit", pattern: "a/**/**/**/**/**/**/**/**/**/c", path: deep, want: true},
		{name: "many stars in a segment", pattern: "*a*a*a*a*a*a*a*a*a*a*b", path: long, want: false},
		{name: "globstars and stars", pattern: "**/*a*/**/*a*/**/*a*/**/b", path: deep, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pat, err := compilePattern(tt.pattern)
			require.NoError(t, err)
			start := time.Now()
			got := pat.match(tt.path)
			elapsed := time.Since(start)
			assert.Equal(t, tt.want, got)
			// Generous for -race and slow machines; an exponential matcher
			// takes years here, a quadratic one a few milliseconds.
			assert.Less(t, elapsed, 2*time.Second)
		})
	}
}

// oracleMatch is a second, independent implementation of pattern.match:
// it writes the compiled pattern as a regular expression over the path with
// a "/" after every segment. Go's regexp engine runs in linear time, so the
// oracle is safe to run in the fuzzer too.
func oracleMatch(t testing.TB, p pattern, path string) bool {
	t.Helper()
	path = strings.TrimPrefix(path, "/")
	if path == "" {
		return false
	}
	const name = `[^/]*/`
	var re strings.Builder
	re.WriteString(`\A`)
	for _, s := range p.segs {
		if s.globstar {
			re.WriteString(`(?:` + name + `)*`)
			continue
		}
		if s.loneStar() {
			re.WriteString(`[^/]+/`) // a name is never empty
			continue
		}
		for _, tok := range s.toks {
			switch tok.kind {
			case tokLit:
				re.WriteString(regexp.QuoteMeta(tok.lit))
			case tokAny:
				re.WriteString(`[^/]`)
			case tokStar:
				re.WriteString(`[^/]*`)
			}
		}
		re.WriteString(`/`)
	}
	switch {
	case p.dirOnly:
		re.WriteString(`(?:` + name + `)+`)
	case p.exact:
	default:
		re.WriteString(`(?:` + name + `)*`)
	}
	re.WriteString(`\z`)
	rx, err := regexp.Compile(re.String())
	require.NoError(t, err, "oracle regexp for %+v", p)
	return rx.MatchString(path + "/")
}
