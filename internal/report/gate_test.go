package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/gate"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func decision() *gate.Decision {
	return &gate.Decision{
		Intent:   "deploy-1",
		Findings: map[string]int{"Critical": 1, "High": 2, "Low": 4},
		Needs: []gate.Need{
			{Kind: gate.NeedVulnerability, Key: "CVE-2019-18224", Summary: "Critical CVE-2019-18224 in libidn2-0 2.0.5-1", Package: "libidn2-0", CoveredBy: "3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21", Controls: []string{"egress-allowlist"}},
			{Kind: gate.NeedVulnerability, Key: "CVE-2020-8165", Summary: "High CVE-2020-8165 in activesupport 6.0.2.1", Package: "activesupport",
				Rejected: []gate.Reason{{ExceptionID: "9b4e2d7a-1c3f-4a5b-8e6d-2f1a0c9b8d73", Code: "expired", Detail: "expired on 2026-04-06"}}},
			{Kind: gate.NeedGate, Key: "coverage", Summary: "promotion gate coverage failed (threshold 80, actual 76.5)", Rejected: []gate.Reason{{Code: "no-exception", Detail: "no exception names it"}}},
		},
		Warnings: []gate.Warning{{Code: "expiring-soon", ExceptionID: "3f2a9c1e-6b7d-4e2f-9a1c-5d8e7f6a4b21", Detail: "expires at the end of 2026-12-01 (2 day(s) left): extend it or fix the need"}},
		Retire:   []string{"c7d1e5a3-8f2b-4c6d-9e0a-1b3c5d7f9a2e"},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(p, got, 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test -update to create %s", p)
	assert.Equal(t, string(want), string(got))
}

func TestGateRenderers(t *testing.T) {
	for _, tt := range []struct {
		file   string
		render func(*bytes.Buffer, *gate.Decision) error
	}{
		{"gate.txt", func(b *bytes.Buffer, d *gate.Decision) error { return GateText(b, d) }},
		{"gate.md", func(b *bytes.Buffer, d *gate.Decision) error { return GateMarkdown(b, d) }},
		{"gate.sarif", func(b *bytes.Buffer, d *gate.Decision) error { return GateSARIF(b, d, "deploy/intent.yaml", "test") }},
		{"gate.json", func(b *bytes.Buffer, d *gate.Decision) error { return GateJSON(b, d) }},
	} {
		t.Run(tt.file, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, tt.render(&buf, decision()))
			golden(t, tt.file, buf.Bytes())
		})
	}
}

func TestGateSARIFShape(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, GateSARIF(&buf, decision(), "deploy/intent.yaml", "test"))
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
			}
		}
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &log))
	assert.Equal(t, "2.1.0", log.Version)
	run := log.Runs[0]
	require.Len(t, run.Results, 3, "two blocked needs and one warning")
	for _, r := range run.Results {
		assert.Equal(t, r.RuleID, run.Tool.Driver.Rules[r.RuleIndex].ID, "ruleIndex points at the rule")
	}
	assert.Equal(t, "exctl/uncovered-vulnerability", run.Results[0].RuleID)
	assert.Equal(t, "exctl/failed-gate", run.Results[1].RuleID)
	assert.Equal(t, "warning", run.Results[2].Level)
}

// Text from reports and records reaches a terminal escaped: a package name
// must not move the cursor, erase lines or start a line of its own.
func TestGateTextEscapesWhatReportsWrote(t *testing.T) {
	d := &gate.Decision{Intent: "deploy-1", Findings: map[string]int{"High": 1}, Needs: []gate.Need{
		{Kind: gate.NeedVulnerability, Key: "CVE-1", Summary: "High CVE-1 in evil\x1b[1A\x1b[2K\ncovered  pkg \u202e1.0"},
	}}
	var b bytes.Buffer
	require.NoError(t, GateText(&b, d))
	out := b.String()
	assert.NotContains(t, out, "\x1b")
	assert.NotContains(t, out, "\u202e")
	assert.Contains(t, out, `evil\x1b[1A\x1b[2K\ncovered  pkg \u202e1.0`)
	assert.Equal(t, 3, bytes.Count(b.Bytes(), []byte("\n")), "no line of the report's making:\n%s", out)
}
