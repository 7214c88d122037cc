package scan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCVSSBaseScore(t *testing.T) {
	tests := []struct {
		vector string
		want   float64
	}{
		// From NVD records quoted in the real Trivy and Grype reports.
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3},
		{"CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N", 4.8},
		{"CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:C/C:H/I:H/A:H", 8.5},
		{"CVSS:3.1/AV:L/AC:H/PR:N/UI:N/S:C/C:N/I:L/A:N", 3.2},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:H", 8.2},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L", 7.3},
		// Scope changed and the 10.0 cap.
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1},
		// No impact: 0.
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0},
		// Temporal metrics are ignored.
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C", 9.8},
		// CVSS v2.
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5},
		{"AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0},
		{"(AV:N/AC:M/Au:N/C:P/I:P/A:P)", 6.8},
		{"CVSS:2.0/AV:L/AC:L/Au:N/C:N/I:P/A:N", 2.1},
		{"AV:N/AC:L/Au:N/C:N/I:N/A:N", 0},
	}
	for _, tt := range tests {
		t.Run(tt.vector, func(t *testing.T) {
			got, err := cvssBaseScore(tt.vector)
			require.NoError(t, err)
			assert.InDelta(t, tt.want, got, 1e-9)
		})
	}
}

func TestCVSSBaseScoreErrors(t *testing.T) {
	for _, vector := range []string{
		"",
		"CVSS:3.1/",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",          // A missing
		"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",      // unknown value
		"CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", // repeated metric
		"CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",     // empty part
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		"CVSS:9.9/AV:N",
		"AV:N/AC:L/Au:N/C:P/I:P", // v2 without A
		"high",
	} {
		t.Run(vector, func(t *testing.T) {
			_, err := cvssBaseScore(vector)
			assert.Error(t, err)
		})
	}
}

// TestCVSSAgainstRealReports recomputes every CVSS vector that the real
// Trivy and Grype reports carry and compares it with the score they state.
func TestCVSSAgainstRealReports(t *testing.T) {
	type pair struct {
		vector string
		score  float64
	}
	var pairs []pair
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			// Trivy: {"V3Vector": …, "V3Score": …}, also for V2.
			for _, ver := range []string{"V2", "V3"} {
				vec, ok1 := v[ver+"Vector"].(string)
				score, ok2 := v[ver+"Score"].(float64)
				if ok1 && ok2 && vec != "" {
					pairs = append(pairs, pair{vec, score})
				}
			}
			// Grype: {"vector": …, "metrics": {"baseScore": …}}
			if vec, ok := v["vector"].(string); ok {
				if m, ok := v["metrics"].(map[string]any); ok {
					if score, ok := m["baseScore"].(float64); ok {
						pairs = append(pairs, pair{vec, score})
					}
				}
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	for _, dir := range []string{"trivy", "grype"} {
		files, err := filepath.Glob(filepath.Join("testdata", "real", dir, "*.json"))
		require.NoError(t, err)
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			var doc any
			require.NoError(t, json.Unmarshal(b, &doc))
			walk(doc)
		}
	}
	require.GreaterOrEqual(t, len(pairs), 30, "the real reports hold at least 30 vector/score pairs")
	for _, p := range pairs {
		got, err := cvssBaseScore(p.vector)
		if assert.NoError(t, err, p.vector) {
			assert.InDelta(t, p.score, got, 1e-9, p.vector)
		}
	}
}
