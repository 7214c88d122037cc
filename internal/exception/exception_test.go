package exception

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{in: "2026-04-06", want: Date{2026, time.April, 6}},
		{in: "2028-02-29", want: Date{2028, time.February, 29}},
		{in: "2026-02-29", wantErr: true},
		{in: "2026-02-30", wantErr: true},
		{in: "2026-13-01", wantErr: true},
		{in: "2026-4-6", wantErr: true},
		{in: "2026-04-06T00:00:00Z", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, got.String())
		})
	}
}

func TestStateAt(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	e := &Exception{Status: Approved, ExpiryDate: Date{2026, time.April, 6}}
	tests := []struct {
		name string
		now  time.Time
		loc  *time.Location
		want State
	}{
		{"last second of the expiry day (UTC)", time.Date(2026, 4, 6, 23, 59, 59, 0, time.UTC), time.UTC, StateApproved},
		{"first instant after it (UTC)", time.Date(2026, 4, 7, 0, 0, 0, 0, time.UTC), time.UTC, StateExpired},
		// 22:30 UTC on the 6th is already the 7th in Berlin (UTC+2 in April).
		{"day ends earlier in Berlin", time.Date(2026, 4, 6, 22, 30, 0, 0, time.UTC), berlin, StateExpired},
		{"still the 6th in Berlin", time.Date(2026, 4, 6, 21, 59, 0, 0, time.UTC), berlin, StateApproved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, e.StateAt(tt.now, tt.loc))
		})
	}
	for status, want := range map[Status]State{Pending: StatePending, Denied: StateDenied, Expired: StateExpired} {
		x := &Exception{Status: status, ExpiryDate: Date{2030, 1, 1}}
		assert.Equal(t, want, x.StateAt(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC), status)
	}
}

func TestDaysLeft(t *testing.T) {
	e := &Exception{ExpiryDate: Date{2026, time.April, 6}}
	assert.Equal(t, 0, e.DaysLeft(time.Date(2026, 4, 6, 23, 0, 0, 0, time.UTC), time.UTC))
	assert.Equal(t, 5, e.DaysLeft(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.UTC))
	assert.Equal(t, -1, e.DaysLeft(time.Date(2026, 4, 7, 0, 0, 0, 0, time.UTC), time.UTC))
	// Across a daylight-saving change the count is still in whole days.
	assert.Equal(t, 30, (Date{2026, time.March, 7}).DaysUntil(Date{2026, time.April, 6}))
}

func TestCanTransition(t *testing.T) {
	allowed := map[[2]Status]bool{
		{Pending, Pending}: true, {Pending, Approved}: true, {Pending, Denied}: true,
		{Approved, Approved}: true, {Approved, Expired}: true, {Approved, Pending}: true,
		{Expired, Expired}: true, {Expired, Pending}: true, {Denied, Denied}: true,
	}
	all := []Status{Pending, Approved, Denied, Expired, "bogus"}
	for _, from := range all {
		for _, to := range all {
			assert.Equal(t, allowed[[2]Status{from, to}], CanTransition(from, to), "%s → %s", from, to)
		}
	}
}

func TestSameIdentity(t *testing.T) {
	assert.True(t, SameIdentity("@Alice", "alice"))
	assert.True(t, SameIdentity("Alice@Example.com", "alice@example.com"))
	assert.False(t, SameIdentity("alice", "alice@example.com"))
	assert.False(t, SameIdentity("", ""))
}

// fromText decodes a record written as YAML, as the loader parses it.
func fromText(t *testing.T, text string) (*Exception, error) {
	t.Helper()
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(text), &doc))
	return FromNode(doc.Content[0])
}

func TestFromNodeSeedForm(t *testing.T) {
	e, err := fromText(t, `exception_id: x
type: vulnerability_scan
status: approved
approved_by: security-reviewer@example.com
compensating_controls:
  - Network isolation
  - {id: a, specific: s, measurable: m, enforceable: e}
expiry_date: 2026-04-06
approval_date: "2026-01-06"
created_at: 2026-01-06T00:00:00Z
gate: {name: cov, threshold: 80, actual: 76.5}
risk: {exposure: internal, privileged: true}
owners: &o ["@acme/a", "@acme/b"]
denied_by: *o
`)
	require.NoError(t, err)
	assert.Equal(t, []string{"security-reviewer@example.com"}, e.ApprovedBy)
	require.Len(t, e.Controls, 2)
	assert.False(t, e.Controls[0].Structured())
	assert.True(t, e.Controls[1].Structured())
	assert.Equal(t, "80", e.Gate.Threshold)
	assert.Equal(t, "76.5", e.Gate.Actual)
	require.NotNil(t, e.ApprovalDate)
	assert.Equal(t, Date{2026, 1, 6}, *e.ApprovalDate)
	// An unquoted date is a timestamp to YAML; the record reads its text.
	assert.Equal(t, Date{2026, 4, 6}, e.ExpiryDate)
	assert.Equal(t, time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC), e.CreatedAt)
	assert.True(t, e.Risk.Privileged)
	assert.Equal(t, []string{"@acme/a", "@acme/b"}, e.DeniedBy, "an alias reads as what it names")

	// Values of the wrong type are left out, not a panic.
	e, err = fromText(t, "exception_id: [x]\nowners: {a: b}\nrisk: {privileged: 1}\ngate: {threshold: [1]}\ncompensating_controls: [1, [a]]\n")
	require.NoError(t, err)
	assert.Empty(t, e.ID)
	assert.Empty(t, e.Owners)
	assert.False(t, e.Risk.Privileged)
	assert.Empty(t, e.Gate.Threshold)
	assert.Empty(t, e.Controls)

	_, err = fromText(t, "- a\n")
	assert.Error(t, err)
	_, err = fromText(t, "expiry_date: 2026-02-30\n")
	assert.Error(t, err)
}
