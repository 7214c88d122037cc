package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/exception"
)

func TestDefaults(t *testing.T) {
	p := Default()
	assert.Equal(t, time.UTC, p.Location)
	assert.Equal(t, 50, p.CAB.RiskThreshold)
	assert.Equal(t, 90, p.MaxExtensionDays)
	for _, typ := range exception.Types {
		r, ok := p.Rule(typ)
		require.True(t, ok, typ)
		assert.Equal(t, "security", r.Approvers[0].Group, "Security Reviewers approve every type")
		assert.LessOrEqual(t, r.DefaultExpiryDays, r.MaxExpiryDays)
	}
	// No teams by default: nothing can be approved until a policy names them.
	for _, g := range p.Groups {
		assert.Empty(t, g.Team)
	}
}

func TestFromValue(t *testing.T) {
	p, errs := FromValue(map[string]any{
		"version":  int64(1),
		"timezone": "Europe/Berlin",
		"groups": map[string]any{
			"security": map[string]any{"team": "acme/sec"},
			"cab":      map[string]any{"name": "CAB", "team": "@acme/cab"},
		},
		"types": map[string]any{
			"vulnerability_scan": map[string]any{"approvers": []any{map[string]any{"group": "security", "count": int64(2)}}, "max_expiry_days": int64(30), "default_expiry_days": int64(14)},
		},
		"cab":           map[string]any{"risk_threshold": int64(40)},
		"reminder_days": []any{int64(1), int64(14), 7.0}, // 7.0 is an integer to the schema
		"risk":          map[string]any{"severity": map[string]any{"Critical": 45.0}},
		"gate":          map[string]any{"controls_max_age": "12h", "blocking_severities": []any{"Critical"}, "honor_scanner_suppressions": true, "block_unrated": true},
	})
	require.Empty(t, errs)
	assert.Equal(t, "Europe/Berlin", p.Location.String())
	assert.Equal(t, Group{Key: "cab", Name: "CAB", Org: "acme", Team: "cab"}, p.Groups["cab"])
	assert.Equal(t, []Seat{{"security", 2}}, p.Types[exception.VulnerabilityScan].Approvers)
	assert.Equal(t, 30, p.Types[exception.VulnerabilityScan].MaxExpiryDays)
	assert.Equal(t, 90, p.Types[exception.GateOverride].MaxExpiryDays, "types not named keep their defaults")
	assert.Equal(t, 40, p.CAB.RiskThreshold)
	assert.Equal(t, []int{14, 7, 1}, p.ReminderDays)
	assert.Equal(t, 45, p.Risk.Severity["Critical"])
	assert.Equal(t, 12*time.Hour, p.Gate.ControlsMaxAge)
	assert.Equal(t, []string{"Critical"}, p.Gate.BlockingSeverities)
	assert.True(t, p.Gate.HonorScannerSuppressions)
	assert.True(t, p.Gate.BlockUnrated)
	assert.False(t, Default().Gate.HonorScannerSuppressions, "suppressions need exceptions unless a policy says otherwise")
}

// A count written as 2.0 is the integer the schema accepts it as, not one.
func TestSeatCountWrittenAsFloat(t *testing.T) {
	p, errs := FromValue(map[string]any{
		"version": int64(1),
		"groups":  map[string]any{"security": map[string]any{"team": "acme/sec"}, "cab": map[string]any{"team": "acme/cab"}},
		"types": map[string]any{
			"vulnerability_scan": map[string]any{"approvers": []any{map[string]any{"group": "security", "count": float64(2)}}},
		},
	})
	require.Empty(t, errs)
	assert.Equal(t, []Seat{{"security", 2}}, p.Types[exception.VulnerabilityScan].Approvers)
}

func TestFromValueErrors(t *testing.T) {
	tests := []struct {
		name    string
		value   map[string]any
		pointer string
	}{
		{"unknown time zone", map[string]any{"timezone": "Mars/Olympus"}, "/timezone"},
		{"undefined approver group", map[string]any{"types": map[string]any{"cross_boundary": map[string]any{"approvers": []any{"legal"}}}}, "/types/cross_boundary/approvers/0"},
		{"group listed twice", map[string]any{"types": map[string]any{"cross_boundary": map[string]any{"approvers": []any{"security", "security"}}}}, "/types/cross_boundary/approvers/1"},
		{"default above max", map[string]any{"types": map[string]any{"gate_override": map[string]any{"default_expiry_days": int64(60), "max_expiry_days": int64(30)}}}, "/types/gate_override"},
		{"undefined CAB group", map[string]any{"cab": map[string]any{"group": "board"}}, "/cab"},
		{"undefined policy owner", map[string]any{"policy_owners": []any{"legal"}}, "/policy_owners/0"},
		{"bad duration", map[string]any{"gate": map[string]any{"controls_max_age": "0s"}}, "/gate/controls_max_age"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := FromValue(tt.value)
			require.NotEmpty(t, errs)
			assert.Equal(t, tt.pointer, errs[0].Pointer, errs[0].Msg)
		})
	}
}

func TestRequiredSeats(t *testing.T) {
	p := Default()
	seats, ok := p.RequiredSeats(exception.VulnerabilityScan, 50, false)
	require.True(t, ok)
	assert.Equal(t, []Seat{{"security", 1}}, seats, "a score at the threshold does not need the CAB")
	seats, _ = p.RequiredSeats(exception.VulnerabilityScan, 51, false)
	assert.Equal(t, []Seat{{"security", 1}, {"cab", 1}}, seats)
	seats, _ = p.RequiredSeats(exception.UnsignedPackage, 0, true)
	assert.Equal(t, []Seat{{"security", 1}, {"cab", 1}}, seats, "privileged tooling needs the CAB")
	seats, _ = p.RequiredSeats(exception.CrossBoundary, 90, true)
	assert.Equal(t, []Seat{{"security", 1}, {"cab", 1}}, seats, "the CAB fills one seat, not two")
	p.Types[exception.GateOverride] = TypeRule{}
	_, ok = p.RequiredSeats(exception.GateOverride, 0, false)
	assert.False(t, ok, "a type without approvers cannot be approved")
	_, ok = p.RequiredSeats("bogus", 0, false)
	assert.False(t, ok)
}

func TestOwnerGroups(t *testing.T) {
	p := Default()
	assert.Equal(t, []string{"cab", "security"}, p.OwnerGroups())
	p.PolicyOwners = []string{"security"}
	assert.Equal(t, []string{"security"}, p.OwnerGroups())
}
