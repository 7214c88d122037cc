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
	intent := writeFile(t, dir, "intent.yaml", "intent_id: x\napplication: fluentd\nversion: '1'\nenvironment: production\nartifacts: []\n")
	code, out, errOut := run(t, "gate", "--repo", "../..", "--now", testNow, "--intent", intent, "--scan", report, "--format", "markdown")
	assert.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "✅ Deployment `x` allowed")
}

func TestGateCannotDecide(t *testing.T) {
	dir := t.TempDir()
	goodIntent := writeFile(t, dir, "intent.yaml", "intent_id: x\napplication: fluentd\nversion: '1'\nenvironment: production\nartifacts: []\n")
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

	code, out, errOut := run(t, "export", "openvex", "--repo", "../..", "--now", testNow, "--app", "fluentd", "--env", "production")
	require.Equal(t, ExitOK, code)
	assert.Contains(t, out, `"statements": []`)
	assert.Contains(t, errOut, "not a not_affected assessment")

	p := filepath.Join(t.TempDir(), ".grype.yaml")
	code, _, _ = run(t, "export", "grype", "--repo", "../..", "--now", testNow, "--app", "fluentd", "--env", "production", "--out", p)
	require.Equal(t, ExitOK, code)
	assert.Contains(t, mustRead(t, p), "vulnerability: CVE-2019-18224")

	code, _, errOut = run(t, "export", "sbom")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "unknown export")
}
