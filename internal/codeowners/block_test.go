package codeowners

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// managedRules is what exctl codeowners generate might derive from a policy.
var managedRules = []Rule{
	{Pattern: "/exceptions/vulnerability_scan/", Owners: []Owner{team("@acme/security-reviewers")}},
	{Pattern: "/exceptions/cross_boundary/", Owners: []Owner{team("@acme/security-reviewers"), team("@acme/cab")}},
	{Pattern: "/exceptions/policy.yaml", Owners: []Owner{team("@acme/policy-owners")}},
	{Pattern: "/.github/CODEOWNERS", Owners: []Owner{team("@acme/policy-owners"), email("ciso@acme.example")}},
}

const block = "# BEGIN exctl managed block — do not edit; run: exctl codeowners generate\n" +
	"/exceptions/vulnerability_scan/ @acme/security-reviewers\n" +
	"/exceptions/cross_boundary/     @acme/security-reviewers @acme/cab\n" +
	"/exceptions/policy.yaml         @acme/policy-owners\n" +
	"/.github/CODEOWNERS             @acme/policy-owners ciso@acme.example\n" +
	"# END exctl managed block\n"

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func TestGenerate(t *testing.T) {
	tests := []struct {
		name     string
		existing string
		rules    []Rule
		want     string
	}{
		{
			name:     "empty file",
			existing: "",
			rules:    managedRules,
			want:     block,
		},
		{
			name:     "append after a blank line",
			existing: "* @acme/everyone\n",
			rules:    managedRules,
			want:     "* @acme/everyone\n\n" + block,
		},
		{
			name:     "append to a file without final newline",
			existing: "* @acme/everyone",
			rules:    managedRules,
			want:     "* @acme/everyone\n\n" + block,
		},
		{
			name:     "append to a file already ending in a blank line",
			existing: "* @acme/everyone\n\n",
			rules:    managedRules,
			want:     "* @acme/everyone\n\n" + block,
		},
		{
			name: "replace in the middle, other bytes untouched",
			existing: "# owners  \n" +
				"*\t@acme/everyone   \n" +
				BeginMarker + "\n" +
				"/exceptions/ @someone-by-hand\n" +
				"\n" +
				EndMarker + "\n" +
				"docs/  @acme/docs # trailing comment \n" +
				"no-final-newline @x",
			rules: managedRules,
			want: "# owners  \n" +
				"*\t@acme/everyone   \n" +
				block +
				"docs/  @acme/docs # trailing comment \n" +
				"no-final-newline @x",
		},
		{
			name:     "reworded markers are still the block",
			existing: "* @a\n  # BEGIN exctl managed block (old wording)  \n/x/ @b\n# END exctl managed block, really\n",
			rules:    managedRules,
			want:     "* @a\n" + block,
		},
		{
			name:     "CRLF file gets a CRLF block",
			existing: "# c\r\n* @a\r\n",
			rules:    managedRules,
			want:     "# c\r\n* @a\r\n\r\n" + crlf(block),
		},
		{
			name:     "CRLF block replaced in CRLF, LF lines outside left alone",
			existing: "* @a\n" + crlf(BeginMarker+"\n/x/ @b\n"+EndMarker+"\n") + "/y/ @c\n",
			rules:    managedRules,
			want:     "* @a\n" + crlf(block) + "/y/ @c\n",
		},
		{
			name:     "no rules leaves an empty block",
			existing: "* @a\n",
			rules:    nil,
			want:     "* @a\n\n" + BeginMarker + "\n" + EndMarker + "\n",
		},
		{
			name:     "a rule without owners is written without trailing blanks",
			existing: "",
			rules: []Rule{
				{Pattern: "/exceptions/", Owners: []Owner{user("@a")}},
				{Pattern: "/exceptions/archive/"},
			},
			want: BeginMarker + "\n/exceptions/ @a\n/exceptions/archive/\n" + EndMarker + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Generate([]byte(tt.existing), tt.rules)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))

			again, err := Generate(got, tt.rules)
			require.NoError(t, err)
			assert.Equal(t, string(got), string(again), "Generate is idempotent")

			inSync, err := InSync(got, tt.rules)
			require.NoError(t, err)
			assert.True(t, inSync)

			// What Generate writes reads back as the rules it was given.
			f, err := Parse(strings.NewReader(string(got)))
			require.NoError(t, err)
			var managed []Rule
			for _, r := range f.Rules() {
				r.Line = 0
				for _, m := range tt.rules {
					if m.Pattern == r.Pattern {
						managed = append(managed, r)
					}
				}
			}
			assert.Equal(t, nilIfEmpty(tt.rules), nilIfEmpty(managed))
		})
	}
}

func TestGenerateMalformedMarkers(t *testing.T) {
	tests := []struct {
		name     string
		existing string
		want     string
	}{
		{
			name:     "BEGIN without END",
			existing: "* @a\n" + BeginMarker + "\n/x/ @b\n",
			want:     "CODEOWNERS:2: malformed managed block: BEGIN marker without an END marker",
		},
		{
			name:     "two BEGINs",
			existing: BeginMarker + "\n/x/ @b\n" + BeginMarker + "\n" + EndMarker + "\n",
			want:     "CODEOWNERS:3: malformed managed block: second BEGIN marker before the END of the block opened on line 1",
		},
		{
			name:     "two blocks",
			existing: BeginMarker + "\n" + EndMarker + "\n* @a\n" + BeginMarker + "\n" + EndMarker + "\n",
			want:     "CODEOWNERS:4: malformed managed block: second block (the first is on lines 1-2)",
		},
		{
			name:     "END without BEGIN",
			existing: "* @a\n" + EndMarker + "\n",
			want:     "CODEOWNERS:2: malformed managed block: END marker without a BEGIN marker before it",
		},
		{
			name:     "END before BEGIN",
			existing: EndMarker + "\n" + BeginMarker + "\n",
			want:     "CODEOWNERS:1: malformed managed block: END marker without a BEGIN marker before it",
		},
		{
			name:     "two ENDs",
			existing: BeginMarker + "\n" + EndMarker + "\n" + EndMarker + "\n",
			want:     "CODEOWNERS:3: malformed managed block: second END marker (the block ended on line 2)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Generate([]byte(tt.existing), managedRules)
			assert.Nil(t, got)
			assert.ErrorIs(t, err, ErrMalformedBlock)
			assert.EqualError(t, err, tt.want)

			_, err = InSync([]byte(tt.existing), managedRules)
			assert.ErrorIs(t, err, ErrMalformedBlock)
		})
	}
}

func TestGenerateRejectsRulesThatWouldNotReadBack(t *testing.T) {
	tests := []struct {
		name string
		rule Rule
		want string
	}{
		{
			name: "blank in pattern",
			rule: Rule{Pattern: "/my dir/", Owners: []Owner{user("@a")}},
			want: `check rule "/my dir/": unescaped whitespace in pattern`,
		},
		{
			name: "pattern that would be a comment",
			rule: Rule{Pattern: "#x", Owners: []Owner{user("@a")}},
			want: `check rule "#x": a pattern cannot start with "#" (the line would be a comment)`,
		},
		{
			name: "newline smuggled into a pattern",
			rule: Rule{Pattern: "/x/\n* @attacker", Owners: []Owner{user("@a")}},
			want: `check rule "/x/\n* @attacker": unescaped whitespace in pattern`,
		},
		{
			name: "invalid owner",
			rule: Rule{Pattern: "/x/", Owners: []Owner{{Kind: Team, Value: "acme/security"}}},
			want: `check rule "/x/": invalid owner "acme/security"`,
		},
		{
			name: "newline smuggled into an owner",
			rule: Rule{Pattern: "/x/", Owners: []Owner{{Kind: User, Value: "@a\n* @attacker"}}},
			want: `check rule "/x/": invalid owner "@a\n* @attacker"`,
		},
		{
			name: "owner of the wrong kind",
			rule: Rule{Pattern: "/x/", Owners: []Owner{{Kind: User, Value: "@acme/security"}}},
			want: `check rule "/x/": owner "@acme/security" is a team, not a user`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate([]byte("* @a\n"), []Rule{tt.rule})
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestInSync(t *testing.T) {
	inSync := "* @a\n\n" + block
	tests := []struct {
		name     string
		existing string
		want     bool
	}{
		{name: "in sync", existing: inSync, want: true},
		{name: "edits outside the block do not matter", existing: "# hand-written  \n" + inSync + "/z/ @z\n", want: true},
		{name: "no block", existing: "* @a\n", want: false},
		{name: "owner removed by hand", existing: strings.Replace(inSync, " @acme/cab", "", 1), want: false},
		{name: "rule added by hand", existing: strings.Replace(inSync, EndMarker, "/x/ @me\n"+EndMarker, 1), want: false},
		{name: "alignment changed", existing: strings.Replace(inSync, "/exceptions/policy.yaml         @", "/exceptions/policy.yaml @", 1), want: false},
		{name: "a CRLF block keeps its line endings", existing: "* @a\n\n" + crlf(block), want: true},
		{name: "mixed line endings inside the block", existing: "* @a\n\n" + strings.Replace(crlf(block), "cab\r\n", "cab\n", 1), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := InSync([]byte(tt.existing), managedRules)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestGenerateGolden appends the block to a real CODEOWNERS file with
// trailing blanks in it, compares with testdata/*.golden (refresh with
// go test -update), and checks that every original line survives as is.
func TestGenerateGolden(t *testing.T) {
	existing, err := os.ReadFile("testdata/github-docs-example.CODEOWNERS")
	require.NoError(t, err)
	got, err := Generate(existing, managedRules)
	require.NoError(t, err)

	golden := "testdata/github-docs-example.generated.golden"
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
	assert.True(t, strings.HasPrefix(string(got), string(existing)), "the hand-written part is a byte-for-byte prefix")

	// The appended block comes last, so it decides over the hand-written
	// rules, including the "/apps/github" un-owning line.
	f, err := Parse(strings.NewReader(string(got)))
	require.NoError(t, err)
	assert.Equal(t, []Owner{team("@acme/policy-owners"), email("ciso@acme.example")}, f.Owners(".github/CODEOWNERS"))
	assert.Equal(t, []Owner{team("@acme/security-reviewers")}, f.Owners("exceptions/vulnerability_scan/x.yaml"))
	assert.Empty(t, f.Owners("apps/github/x"))
}
