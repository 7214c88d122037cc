package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const demoIntent = "../gate/testdata/demo/intent.yaml"

// fluentdIntent deploys the image that the bundled Trivy report scanned.
const fluentdIntent = "intent_id: x\napplication: fluentd\nversion: '1'\nenvironment: production\n" +
	"artifacts: [{name: fluentd, digest: 'sha256:5a992077baba51b97f27591a10d54d2f2723dc9c81a3fe419e261023f2554933', signed: true}]\n"

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func TestGateDemo(t *testing.T) {
	code, out, errOut := run(t, "gate", "--repo", "../..", "--now", testNow, "--intent", demoIntent)
	assert.Equal(t, ExitNo, code, errOut)
	assert.Contains(t, out, "covered  Critical CVE-2019-18224 in libidn2-0")
	assert.Contains(t, out, "BLOCKED  High CVE-2020-8165 in activesupport")

	code, out, _ = run(t, "gate", "--repo", "../..", "--now", testNow, "--intent", demoIntent, "--format", "json")
	assert.Equal(t, ExitNo, code)
	var d struct {
		Allowed bool
		Needs   []struct{ Key, CoveredBy string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &d))
	assert.False(t, d.Allowed)
	require.Len(t, d.Needs, 2)

	// After the covering exception expires the Critical finding blocks too.
	code, out, _ = run(t, "gate", "--repo", "../..", "--now", "2027-02-01T00:00:00Z", "--intent", demoIntent)
	assert.Equal(t, ExitNo, code)
	assert.Contains(t, out, "expired on 2027-01-31")

	// A window that outlasts the exception blocks it, even today.
	code, out, _ = run(t, "gate", "--repo", "../..", "--now", "2027-01-31T20:00:00Z", "--intent", demoIntent, "--window", "6h")
	assert.Equal(t, ExitNo, code)
	assert.Contains(t, out, "expires-in-window")
}

func TestGateAllows(t *testing.T) {
	dir := t.TempDir()
	report := writeFile(t, dir, "trivy.json", mustRead(t, "../gate/testdata/demo/fluentd-gems.json"))
	// Keep only the covered Critical finding.
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(mustRead(t, report)), &doc))
	doc["Results"] = doc["Results"].([]any)[:1]
	data, err := json.Marshal(doc)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(report, data, 0o644))
	intent := writeFile(t, dir, "intent.yaml", fluentdIntent)
	code, out, errOut := run(t, "gate", "--repo", "../..", "--now", testNow, "--intent", intent, "--scan", report, "--format", "markdown")
	assert.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "✅ Deployment `x` allowed")
}

func TestGateCannotDecide(t *testing.T) {
	dir := t.TempDir()
	goodIntent := writeFile(t, dir, "intent.yaml", fluentdIntent)
	trivy := mustRead(t, "../gate/testdata/demo/fluentd-gems.json")
	tests := []struct {
		name  string
		setup func(t *testing.T) []string // extra args
		want  string
	}{
		{"missing intent flag", func(t *testing.T) []string { return nil }, "--intent is required"},
		{"intent file missing", func(t *testing.T) []string { return []string{"--intent", filepath.Join(dir, "nope.yaml")} }, "no such file"},
		{"intent missing required fields", func(t *testing.T) []string {
			return []string{"--intent", writeFile(t, dir, "i1.yaml", "intent_id: x\napplication: a\n")}
		}, "missing required field"},
		{"intent with a wrong type", func(t *testing.T) []string {
			return []string{"--intent", writeFile(t, dir, "i2.yaml", "intent_id: x\napplication: a\nversion: '1'\nenvironment: e\nartifacts: [{name: a, digest: nope, signed: false}]\n"), "--no-scan"}
		}, "i2.yaml:5:"},
		{"no scanner report", func(t *testing.T) []string { return []string{"--intent", goodIntent} }, "no scanner report"},
		{"truncated report", func(t *testing.T) []string {
			return []string{"--intent", goodIntent, "--scan", writeFile(t, dir, "trunc.json", trivy[:len(trivy)/2])}
		}, "trunc.json"},
		{"report of an unknown tool", func(t *testing.T) []string {
			return []string{"--intent", goodIntent, "--scan", writeFile(t, dir, "other.json", `{"tool":"something else","issues":[]}`)}
		}, "unknown report format"},
		{"finding without a severity", func(t *testing.T) []string {
			return []string{"--intent", goodIntent, "--scan", writeFile(t, dir, "nosev.json", strings.Replace(trivy, `"Severity": "HIGH",`, "", 1))}
		}, "no Severity"},
		{"controls file unreadable", func(t *testing.T) []string {
			return []string{"--intent", goodIntent, "--no-scan", "--controls", writeFile(t, dir, "controls.yaml", "egress: {active: yes please}\n")}
		}, "controls.yaml:1:1: control egress"},
		{"bad window", func(t *testing.T) []string { return []string{"--intent", goodIntent, "--window", "soon"} }, "--window"},
		{"report of another image", func(t *testing.T) []string {
			other := strings.Replace(fluentdIntent, "5a992077", "00000000", 1)
			return []string{"--intent", writeFile(t, dir, "other.yaml", other), "--scan", writeFile(t, dir, "t.json", trivy)}
		}, "t.json is a scan of testdata/fixtures/images/fluentd-multiple-lockfiles.tar.gz " +
			"(sha256:5a992077baba51b97f27591a10d54d2f2723dc9c81a3fe419e261023f2554933), but the intent deploys fluentd sha256:00000000"},
		{"report of an image without a digest", func(t *testing.T) []string {
			noID := strings.Replace(trivy, `"ImageID": "sha256:5a992077baba51b97f27591a10d54d2f2723dc9c81a3fe419e261023f2554933"`, `"ImageID": ""`, 1)
			require.NotEqual(t, trivy, noID)
			return []string{"--intent", goodIntent, "--scan", writeFile(t, dir, "noid.json", noID)}
		}, "noid.json is a scan of a container image that records no digest"},
		{"report of an image, intent without artifacts", func(t *testing.T) []string {
			none := strings.Replace(fluentdIntent, "artifacts: [", "artifacts: []\nx: [", 1)
			none = none[:strings.Index(none, "x: [")]
			return []string{"--intent", writeFile(t, dir, "none.yaml", none), "--scan", writeFile(t, dir, "t.json", trivy)}
		}, "but the intent deploys no artifact"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"gate", "--repo", "../..", "--now", testNow}, tt.setup(t)...)
			code, out, errOut := run(t, args...)
			assert.Equal(t, ExitError, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assert.Contains(t, errOut, tt.want)
		})
	}
}

func TestGateInvalidRecordsCannotDecide(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	// The same id twice: the gate must not pick one.
	dup := strings.Replace(mustRead(t, filepath.Join(dir, exampleVuln)), "type: vulnerability_scan", "type: gate_override", 1)
	writeFile(t, dir, "exceptions/gate_override/3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21.yaml", dup)
	code, _, errOut := run(t, "gate", "--repo", dir, "--now", testNow, "--intent", demoIntent)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "duplicate-id")
	assert.Contains(t, errOut, "nothing can be decided")
}

func TestExportCommand(t *testing.T) {
	code, out, _ := run(t, "export", "trivyignore", "--repo", "../..", "--now", testNow, "--app", "fluentd", "--env", "production")
	require.Equal(t, ExitOK, code)
	assert.Contains(t, out, "expired_at: 2027-02-01")

	// OpenVEX needs a statement; the bundled records are risk acceptances.
	code, out, errOut := run(t, "export", "openvex", "--repo", "../..", "--now", testNow, "--app", "fluentd", "--env", "production")
	assert.Equal(t, ExitError, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "not a not_affected assessment")
	assert.Contains(t, errOut, "an OpenVEX document needs at least one statement")

	p := filepath.Join(t.TempDir(), ".grype.yaml")
	code, _, _ = run(t, "export", "grype", "--repo", "../..", "--now", testNow, "--app", "fluentd", "--env", "production", "--out", p)
	require.Equal(t, ExitOK, code)
	assert.Contains(t, mustRead(t, p), "vulnerability: CVE-2019-18224")

	code, _, errOut = run(t, "export", "sbom")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "unknown export")
}

// A report is tied to the deployment by any digest the scanner records for
// the image; a report that records none (a lock file, a repository) is not.
func TestGateReportOfTheDeployedImage(t *testing.T) {
	dir := t.TempDir()
	grype := writeFile(t, dir, "grype.json", mustRead(t, "../scan/testdata/real/grype/defectdojo-many-vulns-with-epss.json"))
	gomod := writeFile(t, dir, "gomod.json", mustRead(t, "../scan/testdata/real/trivy/gomod.json"))
	intent := func(digest string) string {
		return writeFile(t, dir, digest[:8]+".yaml", "intent_id: x\napplication: busybox\nversion: '1'\nenvironment: production\n"+
			"artifacts: [{name: busybox, digest: 'sha256:"+digest+"', signed: true}]\n")
	}
	for name, digest := range map[string]string{
		"image id":          "388056c9a6838deea3792e8f00705b35b439cf57b3c9c2634fb4e95cfc896de6",
		"manifest digest":   "123b1fd3a44eaaf7322e08e9175d9ca57d49ebf2955d4fa1f5607e99dc31bcbb",
		"repository digest": "AE39A6F5C07297D7AB64DBD4F82C77C874CC6A94CEA29FDEC309D0992574B4F7",
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, "gate", "--repo", "../..", "--now", testNow, "--intent", intent(digest), "--scan", grype, "--format", "json")
			// The report's findings are judged: this real report has
			// uncovered Critical findings.
			assert.Equal(t, ExitNo, code, errOut)
			assert.Contains(t, out, `"allowed": false`)
		})
	}
	t.Run("a lock-file report is not tied to an image", func(t *testing.T) {
		code, _, errOut := run(t, "gate", "--repo", "../..", "--now", testNow, "--intent", intent(strings.Repeat("ab", 32)), "--scan", gomod)
		assert.Equal(t, ExitOK, code, errOut)
	})
	t.Run("another image", func(t *testing.T) {
		code, _, errOut := run(t, "gate", "--repo", "../..", "--now", testNow, "--intent", intent(strings.Repeat("ab", 32)), "--scan", grype)
		assert.Equal(t, ExitError, code)
		assert.Contains(t, errOut, "is a scan of busybox:1.32.1 (sha256:388056c9")
	})
}

// A real Trivy report whose VEX document suppressed a finding: raised to
// High, that finding blocks until an exception covers it, unless the policy
// honours scanner suppressions.
func TestGateScannerSuppressions(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(mustRead(t, "../scan/testdata/real/trivy/npm-with-suppressed.json")), &doc))
	result := doc["Results"].([]any)[0].(map[string]any)
	delete(result, "Vulnerabilities")
	result["ExperimentalModifiedFindings"].([]any)[0].(map[string]any)["Finding"].(map[string]any)["Severity"] = "HIGH"
	data, err := json.Marshal(doc)
	require.NoError(t, err)
	report := writeFile(t, dir, "trivy.json", string(data))
	intent := writeFile(t, dir, "intent.yaml", "intent_id: x\napplication: fluentd\nversion: '1'\nenvironment: production\nartifacts: []\n")

	code, out, errOut := run(t, "gate", "--repo", dir, "--now", testNow, "--intent", intent, "--scan", report)
	assert.Equal(t, ExitNo, code, errOut)
	assert.Contains(t, out, "BLOCKED  High CVE-2017-16137 in debug 3.0.1 (suppressed by the scanner)")

	policyPath := filepath.Join(dir, "exceptions", "policy.yaml")
	honour := strings.Replace(mustRead(t, policyPath), "honor_scanner_suppressions: false", "honor_scanner_suppressions: true", 1)
	require.NotEqual(t, mustRead(t, policyPath), honour)
	writeFile(t, dir, "exceptions/policy.yaml", honour)
	code, out, errOut = run(t, "gate", "--repo", dir, "--now", testNow, "--intent", intent, "--scan", report)
	assert.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "CVE-2017-16137 in debug 3.0.1 is suppressed by the scanner")
}

// A failed export removes the earlier one it would have replaced: a stale
// Grype file never expires. A file exctl did not write is left alone.
func TestExportFailureRemovesTheStaleFile(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	out := filepath.Join(t.TempDir(), ".grype.yaml")
	args := []string{"export", "grype", "--repo", dir, "--now", testNow, "--app", "fluentd", "--env", "production", "--out", out}
	code, _, errOut := run(t, args...)
	require.Equal(t, ExitOK, code, errOut)
	require.Contains(t, mustRead(t, out), "CVE-2019-18224")

	writeFile(t, dir, exampleVuln, "status: [\n")
	code, _, errOut = run(t, args...)
	assert.NotEqual(t, ExitOK, code)
	assert.NoFileExists(t, out)
	assert.Contains(t, errOut, "removed the earlier export")

	// Any failure, a mistyped format too.
	code, _, _ = run(t, append(args[:len(args):len(args)], "--now", testNow)...)
	require.Equal(t, ExitError, code, "the record is still broken")
	writeFile(t, dir, exampleVuln, mustRead(t, filepath.Join("..", "..", exampleVuln)))
	code, _, errOut = run(t, args...)
	require.Equal(t, ExitOK, code, errOut)
	require.FileExists(t, out)
	code, _, _ = run(t, "export", "gripe", "--repo", dir, "--out", out)
	assert.Equal(t, ExitError, code)
	assert.NoFileExists(t, out, "a mistyped format fails the export too")
	code, _, errOut = run(t, args...)
	require.Equal(t, ExitOK, code, errOut)
	code, _, _ = run(t, "export", "grype", "--repo", dir, "--bogus", "--out", out)
	assert.Equal(t, ExitError, code)
	assert.NoFileExists(t, out, "so does a bad flag before --out")

	writeFile(t, dir, exampleVuln, "status: [\n")
	mine := writeFile(t, t.TempDir(), "notes.yaml", "my: notes\n")
	code, _, _ = run(t, append(args[:len(args)-1:len(args)-1], mine)...)
	assert.NotEqual(t, ExitOK, code)
	assert.Equal(t, "my: notes\n", mustRead(t, mine), "not an export: left alone")
}

// Behind a link the earlier export it points at goes; only exctl's own
// OpenVEX start counts.
func TestExportFailureLeavesWhatItDidNotWrite(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	shared := filepath.Join(t.TempDir(), "grype.yaml")
	link := filepath.Join(t.TempDir(), "link.yaml")
	require.NoError(t, os.Symlink(shared, link))
	args := func(out string, extra ...string) []string {
		return append([]string{"export", "grype", "--repo", dir, "--now", testNow, "--app", "fluentd", "--env", "production", "--out", out}, extra...)
	}
	code, _, errOut := run(t, args(link)...)
	require.Equal(t, ExitOK, code, errOut)
	require.FileExists(t, shared)

	code, _, _ = run(t, args(link, "--now", "soon")...)
	assert.Equal(t, ExitError, code)
	assert.NoFileExists(t, shared, "the stale export behind the link is gone")

	notes := writeFile(t, t.TempDir(), "notes.json", `{"see": "https://openvex.dev/docs/public/exctl-1"}`)
	code, _, _ = run(t, args(notes, "--now", "soon")...)
	assert.Equal(t, ExitError, code)
	assert.FileExists(t, notes, "a file that merely mentions an exctl document is not one")
}

// A report's text in an error message cannot drive the terminal.
func TestGateErrorEscapesReportText(t *testing.T) {
	dir := t.TempDir()
	report := writeFile(t, dir, "img.json", `{"SchemaVersion": 2, "ArtifactName": "x\u001b[2J", "ArtifactType": "container_image",
		"Metadata": {"ImageID": "sha256:abc\u001b[2J\nALLOW deployment i1: all covered"}, "Results": []}`)
	code, out, errOut := run(t, "gate", "--repo", "../..", "--now", testNow, "--intent", writeFile(t, dir, "i.yaml", fluentdIntent), "--scan", report)
	assert.Equal(t, ExitError, code, out)
	assert.NotContains(t, errOut, "\x1b")
	assert.NotContains(t, errOut, "\nALLOW", "no line of the report's making")
	assert.Contains(t, errOut, `x\x1b[2J`)

	osv := writeFile(t, dir, "osv.json", `{"results": [{"source": {"path": "go.mod"}, "packages": [{"package": {"name": "x"},
		"vulnerabilities": [{"id": "CVE-2030-0005\nALLOW deployment x: 1 covered, 0 blocked", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:X"}]}]}]}]}`)
	code, _, errOut = run(t, "gate", "--repo", "../..", "--now", testNow, "--intent", writeFile(t, dir, "i.yaml", fluentdIntent), "--scan", osv)
	assert.Equal(t, ExitError, code)
	assert.NotContains(t, errOut, "\nALLOW", "no line of the report's making")

	controls := writeFile(t, dir, "controls.yaml", "\"egress\\nALLOW deployment x: all covered\": 5\n")
	code, _, errOut = run(t, "gate", "--repo", "../..", "--now", testNow, "--intent", writeFile(t, dir, "i.yaml", fluentdIntent), "--no-scan", "--controls", controls)
	assert.Equal(t, ExitError, code)
	assert.NotContains(t, errOut, "\nALLOW", "no line of the controls file's making")
}
