package codeowners

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func user(s string) Owner  { return Owner{Kind: User, Value: s} }
func team(s string) Owner  { return Owner{Kind: Team, Value: s} }
func email(s string) Owner { return Owner{Kind: Email, Value: s} }

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		input string
		rules []Rule
		errs  []ParseError
	}{
		{
			name:  "comments and blank lines",
			input: "# comment\n\n   \n\t# indented comment\n* @a\n",
			rules: []Rule{{Pattern: "*", Owners: []Owner{user("@a")}, Line: 5}},
		},
		{
			name:  "all three kinds of owner, tabs between",
			input: "/src/\t@alice  @acme/security-reviewers\tsec@example.com\n",
			rules: []Rule{{Pattern: "/src/", Owners: []Owner{user("@alice"), team("@acme/security-reviewers"), email("sec@example.com")}, Line: 1}},
		},
		{
			name:  "inline comment after owners",
			input: "*.go @gophers # Go code\n",
			rules: []Rule{{Pattern: "*.go", Owners: []Owner{user("@gophers")}, Line: 1}},
		},
		{
			name:  "inline comment instead of owners un-owns",
			input: "vendor/ # nobody\n",
			rules: []Rule{{Pattern: "vendor/", Line: 1}},
		},
		{
			name:  "pattern without owners un-owns, trailing blanks ignored",
			input: "* @a\n/apps/github  \n",
			rules: []Rule{
				{Pattern: "*", Owners: []Owner{user("@a")}, Line: 1},
				{Pattern: "/apps/github", Line: 2},
			},
		},
		{
			name:  "escaped space stays in the pattern",
			input: `/my\ dir/ @a` + "\n",
			rules: []Rule{{Pattern: `/my\ dir/`, Owners: []Owner{user("@a")}, Line: 1}},
		},
		{
			name:  "CRLF line endings",
			input: "# c\r\n* @a\r\n\r\n/b/ @b\r\n",
			rules: []Rule{
				{Pattern: "*", Owners: []Owner{user("@a")}, Line: 2},
				{Pattern: "/b/", Owners: []Owner{user("@b")}, Line: 4},
			},
		},
		{
			name:  "byte order mark",
			input: "\xef\xbb\xbf* @a\n",
			rules: []Rule{{Pattern: "*", Owners: []Owner{user("@a")}, Line: 1}},
		},
		{
			name:  "no final newline",
			input: "* @a",
			rules: []Rule{{Pattern: "*", Owners: []Owner{user("@a")}, Line: 1}},
		},
		{
			name:  "enterprise managed user login",
			input: "* @alice_acme\n",
			rules: []Rule{{Pattern: "*", Owners: []Owner{user("@alice_acme")}, Line: 1}},
		},
		{
			name:  "invalid owner skips the line and parsing goes on",
			input: "* @a\n/x/ foo @b\n/y/ @c\n",
			rules: []Rule{
				{Pattern: "*", Owners: []Owner{user("@a")}, Line: 1},
				{Pattern: "/y/", Owners: []Owner{user("@c")}, Line: 3},
			},
			errs: []ParseError{{Line: 2, Msg: `invalid owner "foo"`}},
		},
		{
			name: "every error of every line",
			input: strings.Join([]string{
				"!vendor/ @a",           // 1
				"*.[ch] @a",             // 2
				`\#notes @a`,            // 3
				"/ok/ @a",               // 4
				"/x/ @ @a/ bad@ @a/b/c", // 5
				"/ @a",                  // 6
				`trail\`,                // 7
			}, "\n"),
			rules: []Rule{{Pattern: "/ok/", Owners: []Owner{user("@a")}, Line: 4}},
			errs: []ParseError{
				{Line: 1, Msg: `invalid pattern "!vendor/": "!" negation is not supported by GitHub`},
				{Line: 2, Msg: `invalid pattern "*.[ch]": "[" and "]" must be escaped with "\" (GitHub does not support character ranges)`},
				{Line: 3, Msg: `invalid pattern "\\#notes": escaping a leading "#" is not supported by GitHub`},
				{Line: 5, Msg: `invalid owner "@"`},
				{Line: 5, Msg: `invalid owner "@a/"`},
				{Line: 5, Msg: `invalid owner "bad@"`},
				{Line: 5, Msg: `invalid owner "@a/b/c"`},
				{Line: 6, Msg: `invalid pattern "/": empty pattern`},
				{Line: 7, Msg: `invalid pattern "trail\\": trailing "\" escapes nothing`},
			},
		},
		{
			name:  "trailing backslash on a CRLF line escapes nothing",
			input: "foo\\\r\n* @a\r\n",
			rules: []Rule{{Pattern: "*", Owners: []Owner{user("@a")}, Line: 2}},
			errs:  []ParseError{{Line: 1, Msg: `invalid pattern "foo\\\r": trailing "\" escapes nothing`}},
		},
		{
			name:  "owner with a hash inside is not a comment",
			input: "* @a#b\n",
			errs:  []ParseError{{Line: 1, Msg: `invalid owner "@a#b"`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(strings.NewReader(tt.input))
			require.NotNil(t, f)
			assert.Equal(t, tt.rules, nilIfEmpty(f.Rules()))
			if len(tt.errs) == 0 {
				require.NoError(t, err)
				return
			}
			var perrs ParseErrors
			require.ErrorAs(t, err, &perrs)
			got := make([]ParseError, len(perrs))
			for i, e := range perrs {
				got[i] = *e
			}
			assert.Equal(t, tt.errs, got)
		})
	}
}

func nilIfEmpty(rs []Rule) []Rule {
	if len(rs) == 0 {
		return nil
	}
	return rs
}

func TestParseErrorReachable(t *testing.T) {
	_, err := Parse(strings.NewReader("* @a\n\n\n\n\n\n\n\n\n\n\n/x/ foo\n"))
	require.Error(t, err)
	assert.EqualError(t, err, `CODEOWNERS:12: invalid owner "foo"`)
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 12, pe.Line)
	assert.Equal(t, `invalid owner "foo"`, pe.Msg)
}

func TestParseTooLarge(t *testing.T) {
	f, err := Parse(strings.NewReader(strings.Repeat("# padding\n", MaxSize/10+1)))
	assert.Nil(t, f)
	assert.ErrorIs(t, err, ErrTooLarge)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseReadError(t *testing.T) {
	f, err := Parse(failingReader{})
	assert.Nil(t, f)
	assert.EqualError(t, err, "read CODEOWNERS: disk on fire")
}

func TestMatchLastRuleWins(t *testing.T) {
	f, err := Parse(strings.NewReader(strings.Join([]string{
		"*                    @acme/everyone",
		"/exceptions/         @acme/security",
		"/exceptions/cross_boundary/ @acme/security @acme/cab",
		"/exceptions/README.md",
		"*.md                 docs@example.com",
	}, "\n")))
	require.NoError(t, err)
	tests := []struct {
		path   string
		ok     bool
		line   int
		owners []Owner
	}{
		{path: "main.go", ok: true, line: 1, owners: []Owner{team("@acme/everyone")}},
		{path: "exceptions/policy.yaml", ok: true, line: 2, owners: []Owner{team("@acme/security")}},
		{path: "exceptions/cross_boundary/x.yaml", ok: true, line: 3, owners: []Owner{team("@acme/security"), team("@acme/cab")}},
		{path: "exceptions/README.md", ok: true, line: 5, owners: []Owner{email("docs@example.com")}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r, ok := f.Match(tt.path)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.line, r.Line)
			assert.Equal(t, tt.owners, r.Owners)
			assert.Equal(t, tt.owners, f.Owners(tt.path))
		})
	}
}

func TestMatchUnownedVersusUnmatched(t *testing.T) {
	f, err := Parse(strings.NewReader("/apps/ @octocat\n/apps/github\n"))
	require.NoError(t, err)

	r, ok := f.Match("apps/github/index.js")
	assert.True(t, ok, "the un-owning rule matches")
	assert.Equal(t, 2, r.Line)
	assert.Empty(t, r.Owners)
	assert.Nil(t, f.Owners("apps/github/index.js"))

	_, ok = f.Match("README.md")
	assert.False(t, ok, "no rule matches")
	assert.Nil(t, f.Owners("README.md"))
}

// TestRealFiles reads the CODEOWNERS files of real repositories and asks
// what GitHub would answer for paths chosen to exercise their rules.
func TestRealFiles(t *testing.T) {
	type want struct {
		path   string
		line   int // 0: no rule matches
		owners []string
	}
	tests := []struct {
		file  string
		rules int
		cases []want
	}{
		{
			file:  "cli-cli.CODEOWNERS",
			rules: 6,
			cases: []want{
				{path: "README.md", line: 1, owners: []string{"@cli/code-reviewers"}},
				{path: "pkg/cmd/codespace/create.go", line: 3, owners: []string{"@cli/codespaces"}},
				// "pkg/cmd/codespace/" has an interior slash: anchored.
				{path: "vendor/pkg/cmd/codespace/create.go", line: 1, owners: []string{"@cli/code-reviewers"}},
				{path: "internal/codespaces/api/api.go", line: 4, owners: []string{"@cli/codespaces"}},
				{path: "pkg/cmd/attestation/verify/verify.go", line: 7, owners: []string{"@cli/package-security"}},
				// No trailing slash: matches the directory and what is in it.
				{path: "test/integration/attestation-cmd/run.sh", line: 8, owners: []string{"@cli/package-security"}},
				{path: "test/integration/attestation-cmd", line: 8, owners: []string{"@cli/package-security"}},
				{path: "test/integration/attestation-cmdx", line: 1, owners: []string{"@cli/code-reviewers"}},
				// The later, deeper rule wins over line 7.
				{path: "pkg/cmd/attestation/verification/embed/tuf-repo.github.com/root.json", line: 10, owners: []string{"@cli/tuf-root-reviewers"}},
				{path: "pkg/cmd/attestation/verification/embed/other.json", line: 7, owners: []string{"@cli/package-security"}},
			},
		},
		{
			file:  "defectdojo.CODEOWNERS",
			rules: 2,
			cases: []want{
				// "*" comes after "/docs/content/", so it wins even there:
				// the documentation rule never decides anything.
				{path: "docs/content/en/getting_started.md", line: 4, owners: []string{"@Maffooch", "@blakeaowens"}},
				{path: "dojo/models.py", line: 4, owners: []string{"@Maffooch", "@blakeaowens"}},
			},
		},
		{
			file:  "github-docs-example.CODEOWNERS",
			rules: 10,
			cases: []want{
				{path: "README.md", line: 8, owners: []string{"@global-owner1", "@global-owner2"}},
				{path: "src/app.js", line: 14, owners: []string{"@js-owner"}},
				{path: "main.go", line: 19, owners: []string{"docs@example.com"}},
				{path: "notes/todo.txt", line: 25, owners: []string{"@octo-org/octocats"}},
				{path: "build/logs/2026/app.log", line: 30, owners: []string{"@doctocat"}},
				{path: "src/build/logs/app.log", line: 8, owners: []string{"@global-owner1", "@global-owner2"}},
				// "/docs/" (line 44) comes after "docs/*" (line 35).
				{path: "docs/getting-started.md", line: 44, owners: []string{"@doctocat"}},
				{path: "docs/build-app/troubleshooting.md", line: 44, owners: []string{"@doctocat"}},
				// "apps/" matches at any depth and is later than "*.txt".
				{path: "src/apps/readme.txt", line: 39, owners: []string{"@octocat"}},
				{path: "apps/main.rb", line: 49, owners: []string{"@octocat"}},
				// "/apps/github " with a trailing blank and no owners.
				{path: "apps/github/app.rb", line: 50},
				{path: "apps/github", line: 50},
				{path: "apps/githubber/app.rb", line: 49, owners: []string{"@octocat"}},
			},
		},
		{
			file:  "google-styleguide.CODEOWNERS",
			rules: 8,
			cases: []want{
				{path: "javaguide.html", line: 5, owners: []string{"@dimo414"}},
				{path: "shellguide.md", line: 9, owners: []string{"@dimo414", "@eatnumber1", "@vapier"}},
				{path: "go/guide.md", line: 10, owners: []string{"@carrotman42", "@gaal", "@matttproud"}},
				{path: "archive/pyguide.md", line: 7, owners: []string{"@gpshead"}},
				{path: "README.md"},
				{path: "cppguide.html"},
			},
		},
		{
			file:  "trivy.CODEOWNERS",
			rules: 14,
			cases: []want{
				{path: "README.md", line: 2, owners: []string{"@knqyf263", "@DmitriyLewen"}},
				{path: "pkg/fanal/artifact/image.go", line: 6, owners: []string{"@knqyf263", "@DmitriyLewen"}},
				{path: "pkg/fanal/analyzer/config/terraform.go", line: 13, owners: []string{"@nikpivkin"}},
				{path: "helm/trivy/values.yaml", line: 18, owners: []string{"@afdesk"}},
				{path: "helm/trivy/Chart.yaml", line: 20, owners: []string{"@aquasecurity/trivy"}},
				{path: "docs/guide/target/kubernetes.md", line: 24, owners: []string{"@afdesk"}},
				{path: "docs/guide/target/aws.md", line: 12, owners: []string{"@nikpivkin"}},
				{path: "docs/guide/target/container_image.md", line: 2, owners: []string{"@knqyf263", "@DmitriyLewen"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + tt.file)
			require.NoError(t, err)
			f, err := Parse(strings.NewReader(string(data)))
			require.NoError(t, err)
			assert.Len(t, f.Rules(), tt.rules)
			for _, c := range tt.cases {
				t.Run(c.path, func(t *testing.T) {
					r, ok := f.Match(c.path)
					assert.Equal(t, c.line != 0, ok)
					assert.Equal(t, c.line, r.Line)
					var got []string
					for _, o := range r.Owners {
						got = append(got, o.Value)
					}
					assert.Equal(t, c.owners, got)
				})
			}
		})
	}
}

func TestParseOwner(t *testing.T) {
	tests := []struct {
		in   string
		want Owner
		org  string
		slug string
	}{
		{in: "@octocat", want: user("@octocat")},
		{in: "@Octo-Cat", want: user("@Octo-Cat")},
		{in: "@octo-org/octocats", want: team("@octo-org/octocats"), org: "octo-org", slug: "octocats"},
		{in: "@acme/security.reviewers_2", want: team("@acme/security.reviewers_2"), org: "acme", slug: "security.reviewers_2"},
		{in: "docs@example.com", want: email("docs@example.com")},
		{in: "first.last+tag@mail.example.co.uk", want: email("first.last+tag@mail.example.co.uk")},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseOwner(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			org, slug, ok := got.Team()
			assert.Equal(t, tt.want.Kind == Team, ok)
			assert.Equal(t, tt.org, org)
			assert.Equal(t, tt.slug, slug)
			login, ok := got.Login()
			assert.Equal(t, tt.want.Kind == User, ok)
			if ok {
				assert.Equal(t, strings.TrimPrefix(tt.in, "@"), login)
			}
		})
	}

	for _, bad := range []string{
		"foo", "@", "@-x", "@a/", "@/b", "@a/b/c", "@a b", "@a!", "x@", "@x@y.com",
		"a@b", "a@.com", "a@b..com", "a@-b.com", "a b@c.com", "a@b.com\u00a0",
	} {
		t.Run("invalid "+bad, func(t *testing.T) {
			_, err := ParseOwner(bad)
			assert.EqualError(t, err, `invalid owner "`+strings.ReplaceAll(bad, "\u00a0", `\u00a0`)+`"`)
		})
	}
}

func TestFind(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name     string
		fsys     fstest.MapFS
		wantPath string
		wantData string
		wantErr  error
	}{
		{
			name: ".github wins over root and docs",
			fsys: fstest.MapFS{
				".github/CODEOWNERS": file("github"),
				"CODEOWNERS":         file("root"),
				"docs/CODEOWNERS":    file("docs"),
			},
			wantPath: ".github/CODEOWNERS", wantData: "github",
		},
		{
			name: "root wins over docs",
			fsys: fstest.MapFS{
				"CODEOWNERS":      file("root"),
				"docs/CODEOWNERS": file("docs"),
			},
			wantPath: "CODEOWNERS", wantData: "root",
		},
		{
			name:     "docs last",
			fsys:     fstest.MapFS{"docs/CODEOWNERS": file("docs"), ".github/workflows/ci.yml": file("")},
			wantPath: "docs/CODEOWNERS", wantData: "docs",
		},
		{
			name:    "none",
			fsys:    fstest.MapFS{"README.md": file(""), "codeowners": file("wrong case")},
			wantErr: fs.ErrNotExist,
		},
		{
			name: "too large is not skipped in favour of the next",
			fsys: fstest.MapFS{
				".github/CODEOWNERS": &fstest.MapFile{Data: make([]byte, MaxSize+1)},
				"CODEOWNERS":         file("root"),
			},
			wantErr: ErrTooLarge,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, data, err := Find(tt.fsys)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantPath, path)
			assert.Equal(t, tt.wantData, string(data))
		})
	}
}

func TestFindOnDisk(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(dir+"/.github", 0o755))
	require.NoError(t, os.WriteFile(dir+"/.github/CODEOWNERS", []byte("* @a\n"), 0o644))
	require.NoError(t, os.WriteFile(dir+"/CODEOWNERS", []byte("* @b\n"), 0o644))

	path, data, err := Find(os.DirFS(dir))
	require.NoError(t, err)
	assert.Equal(t, ".github/CODEOWNERS", path)
	assert.Equal(t, "* @a\n", string(data))
}
