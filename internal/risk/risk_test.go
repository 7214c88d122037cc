package risk

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/policy"
)

func TestCompute(t *testing.T) {
	w := policy.Default().Risk
	created := time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC)
	structured := exception.Control{ID: "a", Specific: "s", Measurable: "m", Enforceable: "e"}
	tests := []struct {
		name string
		e    exception.Exception
		want int
	}{
		{
			// The README's worked example.
			name: "seed example",
			e: exception.Exception{Type: exception.VulnerabilityScan, CreatedAt: created, ExpiryDate: exception.Date{Year: 2026, Month: 4, Day: 6},
				Vulnerabilities: []exception.Vulnerability{{Severity: "High"}},
				Controls:        []exception.Control{{Text: "Network isolation"}}},
			want: 30 + 25 + 15 + 6, // High, exposure unknown, any environment, 90 days
		},
		{
			name: "narrowed and controlled",
			e: exception.Exception{Type: exception.VulnerabilityScan, CreatedAt: created, ExpiryDate: exception.Date{Year: 2026, Month: 2, Day: 5},
				Vulnerabilities: []exception.Vulnerability{{Severity: "Medium"}, {Severity: "Critical"}},
				Risk:            exception.RiskInputs{Exposure: "internal"},
				Scope:           exception.Scope{Environments: []string{"staging"}},
				Controls:        []exception.Control{structured, structured}},
			want: 40 + 8 + 5 + 2 - 10,
		},
		{
			name: "cross boundary privileged",
			e: exception.Exception{Type: exception.CrossBoundary, CreatedAt: created, ExpiryDate: exception.Date{Year: 2026, Month: 1, Day: 6},
				Risk:  exception.RiskInputs{Exposure: "partner", Privileged: true},
				Scope: exception.Scope{Environments: []string{"sandbox"}}},
			want: 20 + 15 + 3 + 15 + 10,
		},
		{
			name: "never below zero",
			e: exception.Exception{Type: exception.VulnerabilityScan, CreatedAt: created, ExpiryDate: exception.Date{Year: 2026, Month: 1, Day: 6},
				Vulnerabilities: []exception.Vulnerability{{Severity: "Low"}},
				Risk:            exception.RiskInputs{Exposure: "isolated"},
				Scope:           exception.Scope{Environments: []string{"dev"}},
				Controls:        []exception.Control{structured, structured, structured}},
			want: 0,
		},
		{
			name: "never above 100",
			e: exception.Exception{Type: exception.CrossBoundary, CreatedAt: created, ExpiryDate: exception.Date{Year: 2026, Month: 4, Day: 6},
				Risk: exception.RiskInputs{Privileged: true}},
			want: 20 + 25 + 15 + 15 + 10 + 6,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compute(&tt.e, w)
			assert.Equal(t, tt.want, got.Total, "%+v", got.Parts)
			sum := 0
			for _, p := range got.Parts {
				sum += p.Points
			}
			assert.Equal(t, min(max(sum, 0), 100), got.Total, "the parts explain the total")
		})
	}
	w.Privileged = 100
	e := exception.Exception{Type: exception.CrossBoundary, Risk: exception.RiskInputs{Privileged: true}}
	assert.Equal(t, 100, Compute(&e, w).Total)
}
