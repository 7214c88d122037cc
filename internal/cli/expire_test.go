package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/bot"
	"github.com/exctl/exctl/internal/gittest"
)

const (
	expiredID  = "11111111-1111-4111-8111-111111111111"
	expiringID = "22222222-2222-4222-8222-222222222222"
	pendingID  = "33333333-3333-4333-8333-333333333333"
	invalidID  = "44444444-4444-4444-8444-444444444444"
	bundledID  = "0d6b8a4c-2e1f-4f3a-b5c7-9e8d1a2b3c4d"
)

// vulnRecord is a valid vulnerability_scan record; approved ones carry the
// approver fields validation asks for.
func vulnRecord(id, status, created, expiry, extra string) string {
	s := fmt.Sprintf(`exception_id: %s
type: vulnerability_scan
status: %s
justification: No fixed release yet; the service is internal only.
requested_by: erin@example.com
vulnerabilities:
  - {cve: CVE-2024-1234, severity: High, component: library-v1.2.3}
compensating_controls:
  - id: net
    specific: Isolated VLAN
    measurable: Monitoring confirms isolation
    enforceable: Firewall enforces the VLAN
expiry_date: "%s"
created_at: "%sT09:00:00Z"
`, id, status, expiry, created)
	if status == "approved" {
		s += fmt.Sprintf("approved_by: [\"@sec-bob\"]\ncab_approved_by: [\"@cab-erin\"]\napproval_date: \"%s\"\n", created)
	}
	return s + extra
}

// expireRepo writes a repository with an approved record past its date, an
// approved one expiring in 3 days (at testNow), a pending one and, when
// broken is set, an invalid one.
func expireRepo(t *testing.T, broken bool) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "exceptions/policy.yaml", mustRead(t, "../../exceptions/policy.yaml"))
	path := func(id string) string { return "exceptions/vulnerability_scan/" + id + ".yaml" }
	writeFile(t, dir, path(expiredID), vulnRecord(expiredID, "approved", "2026-09-01", "2026-11-20", "owners: ['@acme/payments']\n"))
	writeFile(t, dir, path(expiringID), vulnRecord(expiringID, "approved", "2026-11-01", "2026-12-02", ""))
	writeFile(t, dir, path(pendingID), vulnRecord(pendingID, "pending", "2026-11-20", "2026-11-30", ""))
	if broken {
		writeFile(t, dir, path(invalidID), strings.Replace(vulnRecord(invalidID, "approved", "2026-09-01", "2026-11-01", ""), "severity: High", "severity: Severe", 1))
	}
	return dir
}

func TestExpireDryRunText(t *testing.T) {
	dir := expireRepo(t, false)
	code, out, errOut := run(t, "expire", "--dry-run", "--repo", dir, "--now", testNow)
	require.Equal(t, ExitOK, code, errOut)
	assert.Empty(t, errOut)
	assert.Contains(t, out, "expire (1)\n")
	assert.Regexp(t, expiredID+` +vulnerability_scan +expired 2026-11-20 +9 days ago +@acme/payments +exctl/expire/`+expiredID+"\n", out)
	assert.Contains(t, out, "remind (1)\n")
	assert.Regexp(t, expiringID+` +vulnerability_scan +3 days left +7-day reminder +erin@example.com +not due today\n`, out)
	assert.NotContains(t, out, pendingID)
	assert.Contains(t, out, "over 3 records: 1 to expire, 1 to remind (0 due today); nothing changed\n")

	// Two days later the 1-day reminder is due.
	code, out, _ = run(t, "expire", "--dry-run", "--repo", dir, "--now", "2026-12-01T08:00:00Z")
	require.Equal(t, ExitOK, code)
	assert.Regexp(t, expiringID+` .*1 day left +1-day reminder .* due today\n`, out)
}

func TestExpireDryRunJSON(t *testing.T) {
	dir := expireRepo(t, true)
	code, out, errOut := run(t, "expire", "--dry-run", "--repo", dir, "--now", testNow, "--format", "json")
	assert.Equal(t, ExitNo, code, "an invalid record fails the run closed")
	assert.Contains(t, errOut, "1 file(s) are invalid and were not planned")

	var p bot.Plan
	require.NoError(t, json.Unmarshal([]byte(out), &p), out)
	require.Len(t, p.Expire, 1, "the valid records are still planned")
	x := p.Expire[0]
	assert.Equal(t, expiredID, x.ID)
	assert.Equal(t, "exceptions/vulnerability_scan/"+expiredID+".yaml", x.Path)
	assert.Equal(t, 9, x.DaysSinceExpiry)
	assert.Equal(t, []string{"@acme/payments"}, x.Owners)
	assert.Equal(t, []bot.Field{{Key: "status", Value: "expired"}, {Key: "updated_at", Value: testNow}}, x.Set)
	assert.Contains(t, x.Trailers, bot.Trailer{Key: "Exception-Event", Value: "EXCEPTION_EXPIRED"})
	require.Len(t, p.Remind, 1)
	assert.Equal(t, expiringID, p.Remind[0].ID)
	assert.Equal(t, 3, p.Remind[0].DaysLeft)
	assert.Equal(t, 7, p.Remind[0].Reminder)
	assert.Equal(t, []string{"erin@example.com"}, p.Remind[0].Owners, "no owners: the requester")
	assert.Equal(t, bot.Counts{Records: 3, Expire: 1, Remind: 1}, p.Counts)
	assert.NotContains(t, out, invalidID)

	// Arrays stay arrays when there is nothing to do.
	empty := t.TempDir()
	writeFile(t, empty, "exceptions/policy.yaml", mustRead(t, "../../exceptions/policy.yaml"))
	code, out, errOut = run(t, "expire", "--dry-run", "--repo", empty, "--now", testNow, "--format", "json")
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, `"expire": []`)
	assert.Contains(t, out, `"remind": []`)
}

func TestExpireExitCodes(t *testing.T) {
	valid := expireRepo(t, false)
	broken := expireRepo(t, true)
	badPolicy := expireRepo(t, false)
	writeFile(t, badPolicy, "exceptions/policy.yaml", "version: 1\ntimezone: Mars/Olympus\n")
	misplaced := expireRepo(t, false)
	writeFile(t, misplaced, "exceptions/vulnerability_scan/notes.json", "{}")
	tests := []struct {
		name string
		args []string
		exit int
		out  string // substring of stdout+stderr
	}{
		{"dry run", []string{"--dry-run", "--repo", valid}, ExitOK, "1 to expire"},
		{"dry run json", []string{"--dry-run", "--repo", valid, "--format", "json"}, ExitOK, `"branch": "exctl/expire/` + expiredID},
		{"an invalid record", []string{"--dry-run", "--repo", broken}, ExitNo, "1 file(s) are invalid"},
		{"a file out of place", []string{"--dry-run", "--repo", misplaced}, ExitNo, "1 file(s) are invalid"},
		{"an invalid policy", []string{"--dry-run", "--repo", badPolicy}, ExitError, "nothing can be evaluated"},
		{"without --dry-run", []string{"--repo", valid}, ExitError, "is not built yet; run with --dry-run"},
		{"without --dry-run, even when nothing is due", []string{"--repo", t.TempDir()}, ExitError, "not built yet"},
		{"bad format", []string{"--dry-run", "--repo", valid, "--format", "sarif"}, ExitError, `unknown --format "sarif"`},
		{"unexpected argument", []string{"--dry-run", "--repo", valid, "now"}, ExitError, `unexpected argument "now"`},
		{"rev outside a repository", []string{"--dry-run", "--repo", valid, "--rev", "HEAD"}, ExitError, "git repository"},
		{"help", []string{"--help"}, ExitOK, "Usage: exctl expire --dry-run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, append([]string{"expire", "--now", testNow}, tt.args...)...)
			assert.Equal(t, tt.exit, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assert.Contains(t, out+errOut, tt.out)
		})
	}
}

func TestExpireRefusesToApply(t *testing.T) {
	dir := expireRepo(t, false)
	before := mustRead(t, filepath.Join(dir, "exceptions/vulnerability_scan/"+expiredID+".yaml"))
	code, out, errOut := run(t, "expire", "--repo", dir, "--now", testNow)
	assert.Equal(t, ExitError, code)
	assert.Empty(t, out, "no plan is printed as if it were applied")
	assert.Contains(t, errOut, "exctl expire: applying the plan")
	assert.Equal(t, before, mustRead(t, filepath.Join(dir, "exceptions/vulnerability_scan/"+expiredID+".yaml")))
}

func TestExpireBundled(t *testing.T) {
	code, out, errOut := run(t, "expire", "--dry-run", "--repo", "../..", "--now", testNow, "--format", "json")
	require.Equal(t, ExitOK, code, errOut)
	var p bot.Plan
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	var ids []string
	for _, x := range p.Expire {
		ids = append(ids, x.ID)
	}
	assert.Contains(t, ids, bundledID, "the bundled approved record past 2026-04-06")
	for _, x := range p.Expire {
		if x.ID == bundledID {
			assert.Equal(t, "exceptions/vulnerability_scan/"+bundledID+".yaml", x.Path)
			assert.Equal(t, "2026-04-06", x.ExpiryDate)
		}
	}
}

func TestExpireAtRevision(t *testing.T) {
	g := gittest.New(t)
	copyExamples(t, g.Dir)
	g.Commit("examples")
	require.NoError(t, os.Remove(filepath.Join(g.Dir, "exceptions/vulnerability_scan/"+bundledID+".yaml")))

	code, out, errOut := run(t, "expire", "--dry-run", "--repo", g.Dir, "--now", testNow)
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "expire (0)", "the work tree no longer has the record")

	code, out, errOut = run(t, "expire", "--dry-run", "--repo", g.Dir, "--now", testNow, "--rev", "HEAD")
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "expire (1)")
	assert.Contains(t, out, bundledID)
}
