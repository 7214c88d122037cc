package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/gittest"
	"github.com/exctl/exctl/internal/validate"
)

const testNow = "2026-11-29T12:00:00Z"

// run executes exctl in-process with a fixed environment.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{ctx: context.Background(), stdout: &out, stderr: &errOut,
		getenv: func(string) string { return "" },
		now:    func() time.Time { return time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC) }}
	code = e.run(args)
	return code, out.String(), errOut.String()
}

// copyExamples copies the bundled exceptions/ into a fresh directory.
func copyExamples(t testing.TB, dst string) {
	t.Helper()
	src := filepath.Join("..", "..", "exceptions")
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, "exceptions", rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	require.NoError(t, err)
}

const exampleVuln = "exceptions/vulnerability_scan/3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21.yaml"

func TestCommandsExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		exit int
		out  string // substring of stdout+stderr
	}{
		{"no arguments", nil, ExitError, "Usage: exctl"},
		{"help", []string{"--help"}, ExitOK, "validate"},
		{"unknown command", []string{"frobnicate"}, ExitError, `unknown command "frobnicate"`},
		{"bundled examples validate", []string{"validate", "--repo", "../..", "--now", testNow}, ExitOK, "0 error(s)"},
		{"bad format", []string{"validate", "--repo", "../..", "--format", "xml"}, ExitError, `unknown --format "xml"`},
		{"bad now", []string{"validate", "--repo", "../..", "--now", "yesterday"}, ExitError, "RFC 3339"},
		{"unknown flag", []string{"validate", "--frob"}, ExitError, "flag provided but not defined"},
		{"validate one file", []string{"validate", "--repo", "../..", "--now", testNow, "../../" + exampleVuln}, ExitOK, "1 record(s) checked"},
		{"validate a missing path", []string{"validate", "--repo", "../..", "../../exceptions/nope.yaml"}, ExitError, "no such file"},
		// The policy named is checked as the policy, not as a record.
		{"validate the policy", []string{"validate", "--repo", "../..", "--now", testNow, "../../exceptions/policy.yaml"}, ExitOK, "0 record(s) checked: 0 error(s)"},
		{"base and rev together", []string{"validate", "--repo", "../..", "--base", "HEAD", "--rev", "HEAD"}, ExitError, "not both"},
		{"base outside a repository", []string{"validate", "--repo", "/", "--base", "HEAD"}, ExitError, "not a git repository"},
		{"list", []string{"list", "--repo", "../..", "--now", testNow}, ExitOK, "3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21"},
		{"status is list", []string{"status", "--repo", "../..", "--now", testNow, "--type", "gate_override"}, ExitOK, "gate_override"},
		{"list bad type", []string{"list", "--type", "bogus"}, ExitError, "--type"},
		{"list bad period", []string{"list", "--expiring-within", "soon"}, ExitError, "--expiring-within"},
		{"new without type", []string{"new"}, ExitError, "TYPE"},
		{"new unknown type", []string{"new", "bogus"}, ExitError, "unknown type"},
		// time.Parse takes these; JSON output could not write them back.
		{"now with offset 24:00", []string{"expire", "--dry-run", "--repo", "../..", "--now", "2026-03-13T10:00:00+24:00", "--format", "json"}, ExitError, "--now"},
		{"now with 60 minutes", []string{"list", "--repo", "../..", "--now", "2026-03-13T10:00:00+14:60"}, ExitError, "--now"},
		{"now with an offset", []string{"list", "--repo", "../..", "--now", "2026-11-29T04:00:00-08:00", "--type", "gate_override"}, ExitOK, "gate_override"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.args...)
			assert.Equal(t, tt.exit, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assert.Contains(t, out+errOut, tt.out)
		})
	}
}

func TestValidateFormats(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	bad := filepath.Join(dir, exampleVuln)
	data, err := os.ReadFile(bad)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bad, bytes.Replace(data, []byte("severity: Critical"), []byte("severity: Severe"), 1), 0o644))

	code, out, _ := run(t, "validate", "--repo", dir, "--now", testNow)
	assert.Equal(t, ExitNo, code)
	assert.Contains(t, out, exampleVuln+":16:15: error: schema: vulnerabilities[0].severity: value must be one of")

	code, out, _ = run(t, "validate", "--repo", dir, "--now", testNow, "--format", "github")
	assert.Equal(t, ExitNo, code)
	assert.Contains(t, out, "::error file="+exampleVuln+",line=16,col=15,title=exctl schema::vulnerabilities[0].severity")
	assert.Contains(t, out, "::warning file=", "warnings are annotated too")

	code, out, _ = run(t, "validate", "--repo", dir, "--now", testNow, "--format", "json")
	assert.Equal(t, ExitNo, code)
	var report struct {
		Valid    bool
		Records  int
		Errors   int
		Findings []struct {
			File, Level, Rule, Message string
			Line, Column               int
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &report))
	assert.False(t, report.Valid)
	assert.Equal(t, 5, report.Records)
	assert.Equal(t, 1, report.Errors)
}

func TestGithubEscaping(t *testing.T) {
	got := escapeProperty("a:b,c%d\ne")
	assert.Equal(t, "a%3Ab%2Cc%25d%0Ae", got)
	assert.Equal(t, "50%25 done%0Anext", escapeData("50% done\nnext"))
}

// TestValidateBase runs validate --base against a real repository: only the
// changed record is read, and the change rules apply.
func TestValidateBase(t *testing.T) {
	g := gittest.New(t)
	copyExamples(t, g.Dir)
	g.Commit("add the examples")

	code, _, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "HEAD")
	assert.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, errOut, "0 record(s) checked", "nothing changed, nothing read")

	// Break a record nobody touches: --base must not read it.
	g.Branch("feature")
	untouched := "exceptions/unsigned_package/9b4e2d7a-1c3f-4a5b-8e6d-2f1a0c9b8d73.yaml"
	g.Write(untouched, "garbage: [")
	g.Commit("unrelated breakage on the branch base")
	base := strings.TrimSpace(g.GitCLI("rev-parse", "HEAD"))

	// Editing an approved record is not allowed.
	data, err := os.ReadFile(filepath.Join(g.Dir, exampleVuln))
	require.NoError(t, err)
	g.Write(exampleVuln, strings.Replace(string(data), "severity: Critical", "severity: High", 1))
	code, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", base)
	assert.Equal(t, ExitNo, code, errOut)
	assert.Contains(t, out, exampleVuln+":4:9: error: decided-edit")
	assert.Contains(t, errOut, "1 record(s) checked")
	assert.NotContains(t, out, untouched)

	// Deleting a record is not allowed either.
	g.Write(exampleVuln, string(data))
	g.Remove("exceptions/gate_override/5e8f0a2b-4d6c-4b1e-a3f5-7c9d1e2b4a60.yaml")
	code, out, _ = run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", base)
	assert.Equal(t, ExitNo, code)
	assert.Contains(t, out, "error: deleted")

	// A new record reusing an existing id in another folder.
	g.Write("exceptions/gate_override/5e8f0a2b-4d6c-4b1e-a3f5-7c9d1e2b4a60.yaml", mustRead(t, "../../exceptions/gate_override/5e8f0a2b-4d6c-4b1e-a3f5-7c9d1e2b4a60.yaml"))
	dup := "exceptions/vulnerability_scan/5e8f0a2b-4d6c-4b1e-a3f5-7c9d1e2b4a60.yaml"
	g.Write(dup, strings.Replace(mustRead(t, "../../"+exampleVuln), "3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21", "5e8f0a2b-4d6c-4b1e-a3f5-7c9d1e2b4a60", 1))
	code, out, _ = run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", base)
	assert.Equal(t, ExitNo, code)
	assert.Contains(t, out, dup+":2:15: error: duplicate-id")

	// A JSON file dropped among the records.
	g.Remove(dup)
	g.Write("exceptions/vulnerability_scan/export.json", "{}")
	code, out, _ = run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", base)
	assert.Equal(t, ExitNo, code)
	assert.Contains(t, out, "exceptions/vulnerability_scan/export.json: error: layout")

	_, _, errOut = run(t, "validate", "--repo", g.Dir, "--base", "no-such-branch")
	assert.Contains(t, errOut, "--base")
}

// TestValidateBaseUsesBasePolicy checks that a change cannot loosen the
// policy it is judged by.
func TestValidateBaseUsesBasePolicy(t *testing.T) {
	g := gittest.New(t)
	copyExamples(t, g.Dir)
	base := g.Commit("examples").String()
	pol := mustRead(t, filepath.Join(g.Dir, "exceptions/policy.yaml"))
	g.Write("exceptions/policy.yaml", strings.Replace(pol, "default_expiry_days: 14\n    max_expiry_days: 30", "default_expiry_days: 14\n    max_expiry_days: 365", 1))
	code, _, errOut := run(t, "new", "gate_override", "--repo", g.Dir, "--now", testNow, "--requested-by", "@dave",
		"--id", "11111111-2222-4333-8444-555555555555", "--days", "200",
		"--justification", "A long enough justification for the test.",
		"--gate", "coverage", "--threshold", "80", "--actual", "70", "--control", "Manual review")
	require.Equal(t, ExitOK, code, errOut)
	code, out, _ := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", base)
	assert.Equal(t, ExitNo, code)
	assert.Contains(t, out, "max-expiry")
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(data)
}

func TestNew(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	args := []string{"new", "vulnerability_scan", "--repo", dir, "--now", testNow,
		"--id", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "--requested-by", "erin@example.com",
		"--justification", "No fixed release yet; internal service only.",
		"--vuln", "CVE-2024-1234,High,library-v1.2.3", "--control", "net|Isolated VLAN|Monitoring confirms|Firewall enforces",
		"--exposure", "internal", "--env", "staging"}
	code, out, errOut := run(t, args...)
	require.Equal(t, ExitOK, code, errOut)
	rel := "exceptions/vulnerability_scan/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee.yaml"
	assert.Equal(t, rel+"\n", out)
	written := mustRead(t, filepath.Join(dir, rel))
	assert.True(t, strings.HasPrefix(written, SchemaModeline))
	assert.Contains(t, written, "status: pending")
	assert.Contains(t, written, `expiry_date: "2027-02-27"`, "default expiry: today + 90 days")

	code, _, _ = run(t, "validate", "--repo", dir, "--now", testNow, filepath.Join(dir, rel))
	assert.Equal(t, ExitOK, code, "what new writes validates")

	code, _, errOut = run(t, args...)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "never overwrites")
	assert.Equal(t, written, mustRead(t, filepath.Join(dir, rel)), "the existing record is untouched")

	code, _, errOut = run(t, "new", "vulnerability_scan", "--repo", dir, "--now", testNow, "--requested-by", "erin@example.com",
		"--justification", "too short", "--vuln", "CVE-2024-1234,High,lib", "--control", "x y z")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "justification")

	code, _, errOut = run(t, "new", "vulnerability_scan", "--repo", dir, "--now", testNow, "--requested-by", "erin@example.com",
		"--justification", "A long enough justification.", "--control", "x y z")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "--vuln")

	code, out, _ = run(t, "new", "cross_boundary", "--repo", dir, "--now", testNow, "--requested-by", "@carol", "--stdout",
		"--justification", "A long enough justification.", "--source", "a", "--target", "b",
		"--blast-summary", "Read-only access", "--affected", "ledger", "--rollback", "Remove the policy again", "--control", "Read-only grants")
	assert.Equal(t, ExitOK, code)
	assert.Contains(t, out, "blast_radius:")
	assert.Contains(t, out, `expiry_date: "2026-12-29"`, "the bundled policy's 30 default days")
}

func TestList(t *testing.T) {
	code, out, _ := run(t, "list", "--repo", "../..", "--now", testNow, "--format", "json")
	require.Equal(t, ExitOK, code)
	var rows []listRow
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	require.Len(t, rows, 5)
	states := map[string]string{}
	for _, r := range rows {
		states[r.ID] = r.State
	}
	assert.Equal(t, "expired", states["0d6b8a4c-2e1f-4f3a-b5c7-9e8d1a2b3c4d"], "approved past its date shows as expired")
	assert.Equal(t, "approved", states["3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21"])

	code, out, _ = run(t, "list", "--repo", "../..", "--now", testNow, "--status", "expired", "--format", "json")
	require.Equal(t, ExitOK, code)
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	require.Len(t, rows, 1)

	code, out, _ = run(t, "list", "--repo", "../..", "--now", testNow, "--expiring-within", "45d", "--format", "json")
	require.Equal(t, ExitOK, code)
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	require.Len(t, rows, 1)
	assert.Equal(t, "c7d1e5a3-8f2b-4c6d-9e0a-1b3c5d7f9a2e", rows[0].ID)

	// An invalid record is listed and makes the listing exit 1.
	dir := t.TempDir()
	copyExamples(t, dir)
	require.NoError(t, os.WriteFile(filepath.Join(dir, exampleVuln), []byte("status: [\n"), 0o644))
	code, out, errOut := run(t, "list", "--repo", dir, "--now", testNow)
	assert.Equal(t, ExitNo, code)
	assert.Contains(t, out, exampleVuln)
	assert.Contains(t, errOut, "1 record(s) are invalid")
}

func TestListAtRevision(t *testing.T) {
	g := gittest.New(t)
	copyExamples(t, g.Dir)
	g.Commit("examples")
	g.Remove(exampleVuln)
	code, out, _ := run(t, "list", "--repo", g.Dir, "--now", testNow, "--rev", "HEAD", "--format", "json")
	require.Equal(t, ExitOK, code)
	assert.Contains(t, out, "3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21", "the revision still has the record")
}

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]period{
		"14d": {days: 14, d: 14 * 24 * time.Hour}, "2w": {days: 14, d: 14 * 24 * time.Hour},
		"0d": {days: 0, d: 0}, "36h": {days: -1, d: 36 * time.Hour}, "36600d": {days: 36600, d: 36600 * 24 * time.Hour},
	} {
		got, err := parsePeriod(in)
		require.NoError(t, err)
		assert.Equal(t, want, got, in)
	}
	// Beyond a century the count of nanoseconds would overflow into a
	// negative period, which once switched the filter off.
	for _, in := range []string{"", "d", "-1d", "soon", "-3h", "36601d", "999999999d", "106752d", "15251w", "900000h"} {
		_, err := parsePeriod(in)
		assert.Error(t, err, in)
	}
}

// --expiring-within counts days as the table does: 41d keeps the record
// with 41 days left, 0d keeps only records on their last day.
func TestListExpiringWithinCountsDays(t *testing.T) {
	ids := func(args ...string) []string {
		t.Helper()
		code, out, errOut := run(t, append([]string{"list", "--repo", "../..", "--now", testNow, "--format", "json"}, args...)...)
		require.Equal(t, ExitOK, code, errOut)
		var rows []struct{ ID string }
		require.NoError(t, json.Unmarshal([]byte(out), &rows))
		var out2 []string
		for _, r := range rows {
			out2 = append(out2, r.ID)
		}
		return out2
	}
	assert.Equal(t, []string{"c7d1e5a3-8f2b-4c6d-9e0a-1b3c5d7f9a2e"}, ids("--expiring-within", "41d"))
	assert.Empty(t, ids("--expiring-within", "40d"))
	assert.Empty(t, ids("--expiring-within", "0d"), "no bundled record is on its last day")
	assert.Equal(t, []string{"c7d1e5a3-8f2b-4c6d-9e0a-1b3c5d7f9a2e"}, ids("--now", "2027-01-09T23:00:00Z", "--expiring-within", "0d"))
	code, _, errOut := run(t, "list", "--repo", "../..", "--now", testNow, "--expiring-within", "999999999d")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "at most 36600d")
}

func TestValidateAtRevision(t *testing.T) {
	g := gittest.New(t)
	copyExamples(t, g.Dir)
	g.Commit("examples")
	g.Write(exampleVuln, "status: [\n") // broken in the work tree only
	code, _, _ := run(t, "validate", "--repo", g.Dir, "--now", testNow)
	assert.Equal(t, ExitNo, code)
	code, _, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--rev", "HEAD")
	assert.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, errOut, "5 record(s) checked")

	// A committed name with a control character is a finding at its place,
	// not a walk that stops without saying where.
	g.Write("exceptions/vulnerability_scan/bad\x01name.yaml", "a: 1\n")
	g.GitCLI("add", "-A")
	g.GitCLI("commit", "-q", "-m", "odd name") // go-git refuses to add such a name
	code, out, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--rev", "HEAD")
	assert.Equal(t, ExitNo, code, errOut)
	assert.Contains(t, out+errOut, `exceptions/vulnerability_scan/bad\x01name.yaml: error: layout: a name no checkout can hold`)
}

// The tables of list and expire escape what records and file names hold:
// an owner or a file name must not forge rows or drive the terminal.
func TestTablesEscapeRecordText(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	p := filepath.Join(dir, exampleVuln)
	rec := mustRead(t, p)
	forged := strings.Replace(rec, "  - '@acme/payments'", `  - "x\e[1A\e[2K\e[31mFAKE@b.co"`, 1)
	require.NotEqual(t, rec, forged, "the example's owners line changed")
	require.NoError(t, os.WriteFile(p, []byte(forged), 0o644))
	writeFile(t, dir, "exceptions/vulnerability_scan/x\n66666666-0000-4000-8000-000000000000  approved  approved  1  2099-01-01  9999  @fake.yaml", "foo: [\n")

	_, out, _ := run(t, "list", "--repo", dir, "--now", testNow)
	assert.NotContains(t, out, "\x1b")
	assert.Contains(t, out, `x\x1b[1A\x1b[2K\x1b[31mFAKE@b.co`)
	assert.Contains(t, out, `x\n66666666`)
	for _, line := range strings.Split(out, "\n") {
		assert.False(t, strings.HasPrefix(line, "66666666"), "a row of the file name's making: %q", line)
	}
	_, out, _ = run(t, "expire", "--dry-run", "--repo", dir, "--now", "2027-01-24T09:00:00Z")
	assert.NotContains(t, out, "\x1b")
}

// exctl new refuses what validate would then refuse, and never writes
// outside the repository it was pointed at.
func TestNewRefusals(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	newArgs := func(repo string, extra ...string) []string {
		return append([]string{"new", "unsigned_package", "--repo", repo, "--now", testNow, "--requested-by", "erin@example.com",
			"--justification", "Vendor build, signature pending.", "--package", "agent,1.0," + strings.Repeat("ab", 32),
			"--control", "net|Isolated VLAN|Monitoring confirms|Firewall enforces"}, extra...)
	}
	t.Run("an id another type already has", func(t *testing.T) {
		code, _, errOut := run(t, newArgs(dir, "--id", "3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21")...)
		assert.Equal(t, ExitError, code)
		assert.Contains(t, errOut, "id 3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21 is taken: "+exampleVuln+" exists")
		assert.NoFileExists(t, filepath.Join(dir, "exceptions/unsigned_package/3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21.yaml"))
	})
	t.Run("a repository that does not exist", func(t *testing.T) {
		typo := filepath.Join(t.TempDir(), "typo")
		code, _, errOut := run(t, newArgs(typo)...)
		assert.Equal(t, ExitError, code)
		assert.Contains(t, errOut, "is not a folder")
		assert.NoDirExists(t, typo)
	})
	t.Run("a type folder that is a link out of the repository", func(t *testing.T) {
		repo := t.TempDir()
		copyExamples(t, repo)
		outside := t.TempDir()
		require.NoError(t, os.RemoveAll(filepath.Join(repo, "exceptions", "unsigned_package")))
		require.NoError(t, os.Symlink(outside, filepath.Join(repo, "exceptions", "unsigned_package")))
		code, _, errOut := run(t, newArgs(repo, "--id", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")...)
		assert.Equal(t, ExitError, code)
		assert.Contains(t, errOut, "symbolic link")
		entries, err := os.ReadDir(outside)
		require.NoError(t, err)
		assert.Empty(t, entries, "nothing written through the link")
	})
	t.Run("--days 0 expires today; a negative count and --days with --expiry are refused", func(t *testing.T) {
		code, out, errOut := run(t, newArgs(dir, "--stdout", "--days", "0")...)
		require.Equal(t, ExitOK, code, errOut)
		assert.Contains(t, out, `expiry_date: "2026-11-29"`)
		code, _, errOut = run(t, newArgs(dir, "--stdout", "--days", "-1")...)
		assert.Equal(t, ExitError, code)
		assert.Contains(t, errOut, "--days -1")
		code, _, errOut = run(t, newArgs(dir, "--stdout", "--days", "0", "--expiry", "2026-12-01")...)
		assert.Equal(t, ExitError, code)
		assert.Contains(t, errOut, "not both")
	})
}

// Days left are shown for records that are or may become valid; the star
// marks only approved records past their date.
func TestListDaysLeftAndStar(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	cb := "exceptions/cross_boundary/c7d1e5a3-8f2b-4c6d-9e0a-1b3c5d7f9a2e.yaml"
	writeFile(t, dir, cb, strings.Replace(mustRead(t, filepath.Join(dir, cb)), "status: approved", "status: expired", 1))
	code, out, errOut := run(t, "list", "--repo", dir, "--now", testNow, "--format", "json")
	require.Equal(t, ExitOK, code, errOut)
	var rows []struct {
		ID       string `json:"id"`
		DaysLeft *int   `json:"days_left"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	left := map[string]*int{}
	for _, r := range rows {
		left[r.ID] = r.DaysLeft
	}
	require.Contains(t, left, "c7d1e5a3-8f2b-4c6d-9e0a-1b3c5d7f9a2e")
	assert.Nil(t, left["c7d1e5a3-8f2b-4c6d-9e0a-1b3c5d7f9a2e"], "an expired record has no days left, though its date is 41 days away")
	require.NotNil(t, left["3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21"])
	assert.Equal(t, 63, *left["3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21"])

	// An approved record that fails validation is invalid, not expired*.
	writeFile(t, dir, exampleVuln, strings.Replace(mustRead(t, filepath.Join(dir, exampleVuln)), "justification:", "justification_typo:", 1))
	_, out, _ = run(t, "list", "--repo", dir, "--now", testNow)
	assert.Contains(t, out, "invalid")
	assert.NotContains(t, out, "invalid*")
	assert.Contains(t, out, "expired*", "the bundled approved record past its date keeps its star")
}

// validate --base on a checkout without exceptions/ on either side is the
// wrong checkout; a base without it is the change that adds it.
func TestValidateBaseWithoutTheFolder(t *testing.T) {
	g := gittest.New(t)
	g.Write("README.md", "# not exctl\n")
	g.Commit("readme")
	code, _, errOut := run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "HEAD")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "has no exceptions folder, here or at HEAD")

	copyExamples(t, g.Dir)
	code, _, errOut = run(t, "validate", "--repo", g.Dir, "--now", testNow, "--base", "HEAD")
	assert.NotEqual(t, ExitError, code, errOut)
	assert.Contains(t, errOut, "record(s) checked")
}

// An error message is escaped whole, but joined errors keep a line each.
func TestPrintableErrors(t *testing.T) {
	assert.Equal(t, `bad value "x\nALLOW"`, printable(errors.New("bad value \"x\nALLOW\""), "bad value \"x\nALLOW\""))
	joined := errors.Join(errors.New("first\x1b[2J"), errors.New("second\nforged"))
	assert.Equal(t, "first\\x1b[2J\nsecond\\nforged", printable(joined, joined.Error()))
	fe := &findingsError{head: "intent is invalid", fs: []validate.Finding{{File: "i.yaml", Line: 1, Col: 1, Level: validate.Error, Rule: "schema", Msg: "bad\nline"}}}
	assert.Equal(t, "intent is invalid:\ni.yaml:1:1: error: schema: bad\\nline", printable(fe, fe.Error()))
}
