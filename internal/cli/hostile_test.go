package cli

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/gittest"
)

// What a pull request can put in git that validate --base and --rev must
// refuse rather than wave through: CI runs them on untrusted changes.

// examplesRepo is a repository holding the bundled records, committed on
// main, with a branch pr checked out.
func examplesRepo(t *testing.T) *gittest.Repo {
	g := gittest.New(t)
	copyExamples(t, g.Dir)
	g.Commit("examples")
	g.Branch("pr")
	return g
}

func symlink(t *testing.T, g *gittest.Repo, target, link string) {
	full := filepath.Join(g.Dir, filepath.FromSlash(link))
	require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
	require.NoError(t, os.Symlink(target, full))
}

// A record replaced by a link to a copy elsewhere in the repository would
// let a later change edit the copy, outside exceptions/, unseen.
func TestBaseRefusesALinkedRecord(t *testing.T) {
	g := examplesRepo(t)
	g.GitCLI("mv", exampleVuln, "copy.yaml")
	symlink(t, g, "../../copy.yaml", exampleVuln)

	code, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "main")
	assert.Equal(t, ExitNo, code, errOut)
	assert.Contains(t, out, exampleVuln+": error: layout: symbolic link")

	g.Commit("link the record")
	code, out, errOut = run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "main")
	assert.Equal(t, ExitNo, code, errOut)
	assert.Contains(t, out, exampleVuln+": error: layout: symbolic link")
	code, out, errOut = run(t, "validate", "--repo", g.Dir, "--now", testNow)
	assert.Equal(t, ExitNo, code, errOut)
	assert.Contains(t, out, exampleVuln+": error: layout: symbolic link")
}

// exceptions/ turned into a link to a folder in the repository hid every
// record from the change rules and the base's policy from the records.
func TestBaseAndRevRefuseALinkedExceptionsFolder(t *testing.T) {
	g := examplesRepo(t)
	g.GitCLI("mv", "exceptions", "data")
	symlink(t, g, "data", "exceptions")
	for _, committed := range []bool{false, true} {
		if committed {
			g.Commit("move the records")
		}
		code, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "main")
		assert.Equal(t, ExitNo, code, "committed %v: %s%s", committed, out, errOut)
		assert.Contains(t, out, "exceptions: error: layout: the exceptions folder is a symbolic link")
	}
	code, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--rev", "HEAD")
	assert.Equal(t, ExitNo, code, errOut)
	assert.Contains(t, out, "exceptions: error: layout: the exceptions folder is a symbolic link at HEAD")
	code, out, errOut = run(t, "validate", "--repo", g.Dir, "--now", testNow)
	assert.Equal(t, ExitNo, code, errOut)
	assert.Contains(t, out, "exceptions: error: layout: the exceptions folder is a symbolic link")
}

// A link out of the repository must not make CI read or list what it
// points at.
func TestBaseDoesNotFollowExceptionsOutOfTheRepository(t *testing.T) {
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret-name.yaml"), []byte("token: hunter2\n"), 0o600))
	g := examplesRepo(t)
	g.GitCLI("rm", "-rq", "exceptions")
	symlink(t, g, outside, "exceptions")
	for _, committed := range []bool{false, true} {
		if committed {
			g.Commit("point outside")
		}
		code, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "main")
		assert.NotEqual(t, ExitOK, code)
		assert.NotContains(t, out+errOut, "secret-name")
		assert.NotContains(t, out+errOut, "hunter2")
		assert.Contains(t, out, "the exceptions folder is a symbolic link")
	}
}

// --rev with exceptions committed as something else than a folder has no
// records to show, and says so rather than passing.
func TestRevRefusesExceptionsThatIsNotAFolder(t *testing.T) {
	g := examplesRepo(t)
	g.GitCLI("rm", "-rq", "exceptions")
	g.Write("exceptions", "not a folder\n")
	g.Commit("replace the folder")
	code, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--rev", "HEAD")
	assert.Equal(t, ExitNo, code, errOut)
	assert.Contains(t, out, "exceptions: error: layout: the exceptions folder is a file at HEAD")
}

// The pull request's own policy.yaml is checked however it fails to read,
// and deleting it (which would bring in the looser defaults) is refused.
func TestBasePolicyThatCannotBeRead(t *testing.T) {
	g := examplesRepo(t)
	g.Remove("exceptions/policy.yaml")
	code, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "main")
	assert.Equal(t, ExitNo, code, errOut)
	assert.Contains(t, out, "exceptions/policy.yaml: error: deleted")

	require.NoError(t, os.Mkdir(filepath.Join(g.Dir, "exceptions", "policy.yaml"), 0o755))
	g.Write("exceptions/policy.yaml/x.md", "a folder where the policy was\n")
	code, out, errOut = run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "main")
	assert.Equal(t, ExitNo, code, errOut)
	assert.Contains(t, out, "exceptions/policy.yaml")
}

// A revision git would read differently, or not at all, is refused rather
// than taken for its branch; an empty one (an unset CI variable) too.
func TestBaseRevisionsThatCannotBeTrusted(t *testing.T) {
	g := examplesRepo(t)
	g.Remove("exceptions/gate_override/5e8f0a2b-4d6c-4b1e-a3f5-7c9d1e2b4a60.yaml")
	g.Commit("delete a record")
	for _, rev := range []string{"", "pr@{1}", "HEAD@{5}", "pr@{upstream}", "HEAD:exceptions", "main^{tree}", "main^{blob}"} {
		code, _, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", rev)
		assert.Equal(t, ExitError, code, "--base %q: %s", rev, errOut)
		assert.Contains(t, errOut, "--base", rev)
		code, _, errOut = run(t, "validate", "--repo", g.Dir, "--now", testNow, "--rev", rev)
		assert.Equal(t, ExitError, code, "--rev %q: %s", rev, errOut)
	}
	code, out, _ := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "main")
	assert.Equal(t, ExitNo, code)
	assert.Contains(t, out, "error: deleted")
	_, _, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "HEAD~5")
	assert.Contains(t, errOut, "HEAD~5")
	assert.NotContains(t, errOut, "EOF")
}

func TestValidateRefusesAMissingRepository(t *testing.T) {
	code, _, errOut := run(t, "validate", "--repo", filepath.Join(t.TempDir(), "nowhere"), "--now", testNow)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "nowhere")
}

// A file name cannot write lines of its own into the text output.
func TestTextOutputEscapesControlCharacters(t *testing.T) {
	g := examplesRepo(t)
	name := "exceptions/vulnerability_scan/a.yaml:9:9: error: forged: x\nFORGED.yaml"
	g.Write(name, "garbage: [\n")
	code, out, _ := run(t, "validate", "--repo", g.Dir, "--now", testNow)
	assert.Equal(t, ExitNo, code)
	for _, line := range strings.Split(out, "\n") {
		assert.False(t, strings.HasPrefix(line, "FORGED"), "forged line %q", line)
	}
	assert.Contains(t, out, `\n`)
}

// An extension past the limit is one finding, not one from the record's
// rules and another from the change's.
func TestBaseReportsAFindingOnce(t *testing.T) {
	g := examplesRepo(t)
	rec := mustRead(t, filepath.Join(g.Dir, exampleVuln))
	ext := strings.Replace(rec, "status: approved", "status: pending", 1)
	for _, field := range []string{"approved_by", "cab_approved_by", "approval_date"} {
		var kept []string
		for _, line := range strings.Split(ext, "\n") {
			if !strings.HasPrefix(line, field+":") {
				kept = append(kept, line)
			}
		}
		ext = strings.Join(kept, "\n")
	}
	ext = strings.Replace(ext, `expiry_date: "2027-01-31"`, "original_expiry_date: 2027-01-31\nexpiry_date: 2027-12-31", 1)
	require.NotEqual(t, rec, ext)
	g.Write(exampleVuln, ext)
	_, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "main")
	require.Contains(t, out, "max-extension", errOut)
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		assert.False(t, seen[line], "printed twice: %s", line)
		seen[line] = true
	}
}

// A record committed executable (100755) is a file like any other.
func TestRevReadsAnExecutableRecord(t *testing.T) {
	g := examplesRepo(t)
	require.NoError(t, os.Chmod(filepath.Join(g.Dir, exampleVuln), 0o755))
	require.NoError(t, os.Chmod(filepath.Join(g.Dir, "exceptions", "policy.yaml"), 0o755))
	g.GitCLI("add", "-A")
	g.GitCLI("commit", "-qm", "executable")
	code, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--rev", "HEAD")
	assert.Equal(t, ExitOK, code, "%s%s", out, errOut)
	assert.Contains(t, errOut, "5 record(s) checked")
}

// The collector's start-up settings are given back once --base has read
// the changed records, as after any load.
func TestBaseGivesBackTheCollectorSettings(t *testing.T) {
	g := examplesRepo(t)
	data := mustRead(t, filepath.Join(g.Dir, exampleVuln))
	g.Write(exampleVuln, strings.Replace(data, "severity: Critical", "severity: High", 1))
	type call struct {
		percent int
		limit   int64
	}
	var calls []call
	var out, errOut strings.Builder
	e := &env{ctx: t.Context(), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }, now: time.Now}
	e.heap = &heapBudget{apply: func(p int, l int64) { calls = append(calls, call{p, l}) }, getenv: e.getenv, live: func() int64 { return 0 }}
	e.heap.begin()
	e.run([]string{"validate", "--repo", g.Dir, "--now", testNow, "--base", "main"})
	require.NotEmpty(t, calls)
	assert.Equal(t, call{100, math.MaxInt64}, calls[len(calls)-1], "%v", calls)
}

// A link named on the command line is refused without being followed, and
// without telling whether what it points at exists.
func TestValidateRefusesANamedLink(t *testing.T) {
	g := examplesRepo(t)
	symlink(t, g, "/etc/hostname", "draft.yaml")
	symlink(t, g, "/no/such/file", "broken.yaml")
	symlink(t, g, "/no/such/file", "exceptions/vulnerability_scan/broken.yaml")
	for _, p := range []string{"draft.yaml", "broken.yaml", "exceptions/vulnerability_scan/broken.yaml"} {
		code, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, filepath.Join(g.Dir, p))
		assert.Equal(t, ExitNo, code, "%s: %s%s", p, out, errOut)
		assert.Equal(t, p+": error: layout: symbolic link: records must be files in the repository, not links\n", out)
		assert.Contains(t, errOut, "0 record(s) checked")
	}
	code, _, errOut := run(t, "validate", "--repo", t.TempDir(), "--now", testNow, "exceptions/policy.yaml")
	assert.Equal(t, ExitError, code, "a policy that is not there is no file to check: %s", errOut)
}

// --base looks at changed records without following a folder that became
// a link: what is behind it is neither read nor told.
func TestBaseDoesNotLookThroughALinkedFolder(t *testing.T) {
	outside := t.TempDir()
	g := examplesRepo(t)
	for _, name := range []string{"0d6b8a4c-2e1f-4f3a-b5c7-9e8d1a2b3c4d.yaml", "3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21.yaml"} {
		data := mustRead(t, filepath.Join(g.Dir, "exceptions", "vulnerability_scan", name))
		require.NoError(t, os.WriteFile(filepath.Join(outside, name), []byte(data+"# edited\n"), 0o644))
	}
	require.NoError(t, os.RemoveAll(filepath.Join(g.Dir, "exceptions", "vulnerability_scan")))
	symlink(t, g, outside, "exceptions/vulnerability_scan")
	code, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "main")
	assert.Equal(t, ExitNo, code, errOut)
	assert.Contains(t, errOut, "0 record(s) checked")
	assert.Contains(t, out, "exceptions/vulnerability_scan: error: layout: symbolic link")
	assert.NotContains(t, out, "# edited")
}

// An empty --intent on new means no intent, as it always did.
func TestEmptyIntentOnNew(t *testing.T) {
	g := examplesRepo(t)
	code, _, errOut := run(t, "new", "gate_override", "--repo", g.Dir, "--now", testNow, "--requested-by", "@dave", "--intent", "",
		"--justification", "A long enough justification for the test.", "--gate", "coverage", "--threshold", "80", "--actual", "70", "--control", "Manual review")
	assert.Equal(t, ExitOK, code, errOut)
}

// PATH arguments and --rev: a link named is refused even when the listing
// (of the revision) does not have it; the repository itself named through
// a link is the repository; a folder link on the way is refused before
// anything behind it is looked at, so the answer is the same whether the
// file behind it exists or not.
func TestValidateNamedPathsAndLinks(t *testing.T) {
	g := examplesRepo(t)
	p := "exceptions/vulnerability_scan/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee.yaml"
	symlink(t, g, "/no/such/file", p)
	code, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--rev", "HEAD", filepath.Join(g.Dir, p))
	assert.Equal(t, ExitNo, code, "%s%s", out, errOut)
	assert.Contains(t, out, p+": error: layout: symbolic link")
	require.NoError(t, os.Remove(filepath.Join(g.Dir, p)))

	link := filepath.Join(t.TempDir(), "repo")
	require.NoError(t, os.Symlink(g.Dir, link))
	code, out, errOut = run(t, "validate", "--repo", link, "--now", testNow, link)
	assert.Equal(t, ExitOK, code, "%s%s", out, errOut)

	symlink(t, g, "/etc", "drafts/link")
	var answers []string
	for _, name := range []string{"hostname", "no-such-file"} {
		code, out, _ := run(t, "validate", "--repo", g.Dir, "--now", testNow, filepath.Join(g.Dir, "drafts", "link", name))
		answers = append(answers, fmt.Sprintf("%d %s", code, out))
	}
	assert.Equal(t, answers[0], answers[1])
	assert.Contains(t, answers[0], "drafts/link: error: layout: folder is a symbolic link")
}

// An empty --repo (an unset variable) checks nothing rather than the
// current folder; approvals' --repo, OWNER/NAME, may be empty.
func TestEmptyRepo(t *testing.T) {
	t.Chdir(t.TempDir())
	code, _, errOut := run(t, "validate", "--repo", "", "--now", testNow)
	assert.Equal(t, ExitError, code, errOut)
	assert.Contains(t, errOut, "--repo is empty")
	_, _, errOut = run(t, "approvals", "--repo", "")
	assert.NotContains(t, errOut, "--repo is empty")
}

// A path named below a folder link inside exceptions/ is refused, whether
// or not the file behind it exists, at a revision too.
func TestValidateNamedBelowALinkedFolder(t *testing.T) {
	for _, rev := range []bool{false, true} {
		g := examplesRepo(t)
		g.Write("elsewhere/bad.yaml", "not: a record\n")
		symlink(t, g, "../elsewhere", "exceptions/vulnerability_scan2")
		args := []string{"validate", "--repo", g.Dir, "--now", testNow}
		if rev {
			g.Commit("link")
			args = append(args, "--rev", "HEAD")
		}
		for _, name := range []string{"bad.yaml", "no-such.yaml"} {
			code, out, errOut := run(t, append(args, filepath.Join(g.Dir, "exceptions", "vulnerability_scan2", name))...)
			assert.Equal(t, ExitNo, code, "rev %v %s: %s%s", rev, name, out, errOut)
			assert.Contains(t, out, "exceptions/vulnerability_scan2: error: layout:")
		}
	}
}

// The duplicate-id check does not look through a type folder that became a
// link: it would tell what files are behind it.
func TestBaseDuplicateIDNotThroughALink(t *testing.T) {
	outside := t.TempDir()
	const id = "11111111-2222-4333-8444-555555555555"
	require.NoError(t, os.WriteFile(filepath.Join(outside, id+".yaml"), []byte("x: 1\n"), 0o644))
	g := examplesRepo(t)
	require.NoError(t, os.RemoveAll(filepath.Join(g.Dir, "exceptions", "gate_override")))
	symlink(t, g, outside, "exceptions/gate_override")
	rec := strings.Replace(mustRead(t, "../../"+exampleVuln), "3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21", id, 1)
	g.Write("exceptions/vulnerability_scan/"+id+".yaml", rec)
	code, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "main")
	assert.Equal(t, ExitNo, code, errOut)
	assert.NotContains(t, out, "duplicate-id")
}
