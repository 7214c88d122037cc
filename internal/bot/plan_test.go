package bot

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/policy"
)

// rec builds a record of status st expiring on expiry; owners are optional.
func rec(t *testing.T, id string, st exception.Status, expiry string, owners ...string) Record {
	t.Helper()
	d, err := exception.ParseDate(expiry)
	require.NoError(t, err)
	return Record{
		Path: "exceptions/vulnerability_scan/" + id + ".yaml",
		Exception: &exception.Exception{
			ID: id, Type: exception.VulnerabilityScan, Status: st,
			RequestedBy: id + "@example.com", Owners: owners, ExpiryDate: d,
		},
	}
}

func utcPolicy() *policy.Policy { return policy.Default() }

func berlinPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	p := policy.Default()
	p.TimeZone, p.Location = "Europe/Berlin", loc
	return p
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	now, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return now
}

func ids[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func expireIDs(p Plan) []string { return ids(p.Expire, func(e Expire) string { return e.ID }) }
func remindIDs(p Plan) []string { return ids(p.Remind, func(r Remind) string { return r.ID }) }

func TestPlanExpireDayBoundary(t *testing.T) {
	tests := []struct {
		name    string
		pol     func(t *testing.T) *policy.Policy
		now     string
		expired bool
		days    int // days since expiry when expired, days left otherwise
	}{
		{"utc: last second of the expiry date", func(*testing.T) *policy.Policy { return utcPolicy() }, "2026-04-06T23:59:59Z", false, 0},
		{"utc: midnight after the expiry date", func(*testing.T) *policy.Policy { return utcPolicy() }, "2026-04-07T00:00:00Z", true, 1},
		{"utc: 23:30 on the expiry date is still valid", func(*testing.T) *policy.Policy { return utcPolicy() }, "2026-04-06T23:30:00Z", false, 0},
		{"berlin: 23:30 UTC on the expiry date is already the next day", berlinPolicy, "2026-04-06T23:30:00Z", true, 1},
		{"berlin: last second of the expiry date (CEST)", berlinPolicy, "2026-04-06T21:59:59Z", false, 0},
		{"berlin: midnight in Berlin", berlinPolicy, "2026-04-06T22:00:00Z", true, 1},
		{"long past", func(*testing.T) *policy.Policy { return utcPolicy() }, "2026-11-29T12:00:00Z", true, 237},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlan([]Record{rec(t, "a", exception.Approved, "2026-04-06")}, tt.pol(t), at(t, tt.now))
			if !tt.expired {
				assert.Empty(t, p.Expire)
				require.Len(t, p.Remind, 1, "the last valid day is inside the 1-day reminder")
				assert.Equal(t, tt.days, p.Remind[0].DaysLeft)
				return
			}
			require.Len(t, p.Expire, 1)
			assert.Empty(t, p.Remind)
			assert.Equal(t, tt.days, p.Expire[0].DaysSinceExpiry)
		})
	}
}

func TestPlanExpireAction(t *testing.T) {
	now := at(t, "2026-04-08T09:15:30+02:00")
	p := NewPlan([]Record{rec(t, "0d6b8a4c", exception.Approved, "2026-04-06", "@acme/payments")}, utcPolicy(), now)
	require.Len(t, p.Expire, 1)
	assert.Equal(t, Expire{
		ID:              "0d6b8a4c",
		Path:            "exceptions/vulnerability_scan/0d6b8a4c.yaml",
		Type:            exception.VulnerabilityScan,
		ExpiryDate:      "2026-04-06",
		DaysSinceExpiry: 2,
		Owners:          []string{"@acme/payments"},
		Branch:          "exctl/expire/0d6b8a4c",
		Title:           "Expire exception 0d6b8a4c (vulnerability_scan, expired 2026-04-06)",
		Set:             []Field{{"status", "expired"}, {"updated_at", "2026-04-08T07:15:30Z"}},
		Trailers:        []Trailer{{"Exception-Id", "0d6b8a4c"}, {"Exception-Event", "EXCEPTION_EXPIRED"}},
	}, p.Expire[0])
	assert.Equal(t, "Exception-Event: EXCEPTION_EXPIRED", p.Expire[0].Trailers[1].String())
	assert.Equal(t, Counts{Records: 1, Expire: 1}, p.Counts)
}

func TestPlanReminders(t *testing.T) {
	tests := []struct {
		name     string
		days     []int
		expiry   string // now is 2026-11-29T12:00:00Z
		remind   bool
		reminder int
		left     int
		due      bool
	}{
		{"beyond the largest reminder", []int{14, 7, 1}, "2026-12-14", false, 0, 0, false},
		{"reaches 14", []int{14, 7, 1}, "2026-12-13", true, 14, 14, true},
		{"inside 14, reminded yesterday", []int{14, 7, 1}, "2026-12-12", true, 14, 13, false},
		{"10 days left is the 14-day reminder", []int{14, 7, 1}, "2026-12-09", true, 14, 10, false},
		{"8 days left", []int{14, 7, 1}, "2026-12-07", true, 14, 8, false},
		{"reaches 7", []int{14, 7, 1}, "2026-12-06", true, 7, 7, true},
		{"6 days left", []int{14, 7, 1}, "2026-12-05", true, 7, 6, false},
		{"3 days left", []int{14, 7, 1}, "2026-12-02", true, 7, 3, false},
		{"reaches 1", []int{14, 7, 1}, "2026-11-30", true, 1, 1, true},
		{"last valid day is the 1-day reminder, sent yesterday", []int{14, 7, 1}, "2026-11-29", true, 1, 0, false},
		{"a 0-day reminder on the last valid day", []int{3, 0}, "2026-11-29", true, 0, 0, true},
		{"single reminder reached", []int{30}, "2026-12-29", true, 30, 30, true},
		{"single reminder, inside", []int{30}, "2026-12-28", true, 30, 29, false},
		{"no reminder days configured", nil, "2026-11-30", false, 0, 0, false},
		{"empty reminder days", []int{}, "2026-11-29", false, 0, 0, false},
	}
	now := at(t, "2026-11-29T12:00:00Z")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := utcPolicy()
			pol.ReminderDays = tt.days
			p := NewPlan([]Record{rec(t, "a", exception.Approved, tt.expiry)}, pol, now)
			assert.Empty(t, p.Expire)
			if !tt.remind {
				assert.Empty(t, p.Remind)
				assert.Equal(t, Counts{Records: 1}, p.Counts)
				return
			}
			require.Len(t, p.Remind, 1)
			r := p.Remind[0]
			assert.Equal(t, tt.reminder, r.Reminder, "reminder")
			assert.Equal(t, tt.left, r.DaysLeft, "days left")
			assert.Equal(t, tt.due, r.Due, "due")
			assert.Equal(t, tt.expiry, r.ExpiryDate)
			assert.Equal(t, 1, p.Counts.Remind)
			assert.Equal(t, map[bool]int{true: 1}[tt.due], p.Counts.RemindDue)
		})
	}
}

// TestPlanReminderOncePerThreshold runs a daily bot over a record's last
// three weeks: each reminder day is due exactly once.
func TestPlanReminderOncePerThreshold(t *testing.T) {
	pol := utcPolicy()
	r := rec(t, "a", exception.Approved, "2026-12-20")
	var due []int
	for day := 0; day < 21; day++ {
		now := time.Date(2026, 11, 30+day, 6, 0, 0, 0, time.UTC)
		p := NewPlan([]Record{r}, pol, now)
		for _, x := range p.Remind {
			if x.Due {
				due = append(due, x.Reminder)
			}
		}
	}
	assert.Equal(t, []int{14, 7, 1}, due)
}

func TestPlanRemindValidThroughInPolicyZone(t *testing.T) {
	p := NewPlan([]Record{rec(t, "a", exception.Approved, "2026-12-06")}, berlinPolicy(t), at(t, "2026-11-29T12:00:00Z"))
	require.Len(t, p.Remind, 1)
	assert.True(t, p.Remind[0].ValidThrough.Equal(at(t, "2026-12-06T23:00:00Z")), "midnight after the expiry date in Berlin (CET)")
	assert.Equal(t, "Europe/Berlin", p.TimeZone)
}

func TestPlanIgnoresWhatIsNotApproved(t *testing.T) {
	now := at(t, "2026-11-29T12:00:00Z")
	tests := []struct {
		name   string
		status exception.Status
		expiry string
	}{
		{"pending past its date", exception.Pending, "2026-04-06"},
		{"pending inside the reminder window", exception.Pending, "2026-12-06"},
		{"denied past its date", exception.Denied, "2026-04-06"},
		{"denied inside the reminder window", exception.Denied, "2026-12-06"},
		{"already expired", exception.Expired, "2026-04-06"},
		{"already expired, date still ahead", exception.Expired, "2026-12-06"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlan([]Record{rec(t, "a", tt.status, tt.expiry)}, utcPolicy(), now)
			assert.Empty(t, p.Expire)
			assert.Empty(t, p.Remind)
			assert.Equal(t, Counts{Records: 1}, p.Counts)
		})
	}
	t.Run("a record with no exception is not planned", func(t *testing.T) {
		p := NewPlan([]Record{{Path: "exceptions/x.yaml"}}, utcPolicy(), now)
		assert.Equal(t, Counts{}, p.Counts)
	})
}

func TestPlanOwners(t *testing.T) {
	now := at(t, "2026-11-29T12:00:00Z")
	tests := []struct {
		name   string
		owners []string
		want   []string
	}{
		{"owners listed", []string{"@acme/payments", "@acme/sre"}, []string{"@acme/payments", "@acme/sre"}},
		{"no owners: the requester", nil, []string{"a@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlan([]Record{
				rec(t, "a", exception.Approved, "2026-04-06", tt.owners...),
				rec(t, "a", exception.Approved, "2026-12-06", tt.owners...),
			}, utcPolicy(), now)
			require.Len(t, p.Expire, 1)
			require.Len(t, p.Remind, 1)
			assert.Equal(t, tt.want, p.Expire[0].Owners)
			assert.Equal(t, tt.want, p.Remind[0].Owners)
		})
	}
}

func TestPlanOrder(t *testing.T) {
	now := at(t, "2026-11-29T12:00:00Z")
	records := []Record{
		rec(t, "e3", exception.Approved, "2026-11-01"),
		rec(t, "r3", exception.Approved, "2026-12-06"),
		rec(t, "e2", exception.Approved, "2026-04-06"),
		rec(t, "r2", exception.Approved, "2026-12-01"),
		rec(t, "e1", exception.Approved, "2026-04-06"),
		rec(t, "r1", exception.Approved, "2026-12-01"),
		rec(t, "p", exception.Pending, "2026-12-01"),
	}
	want := Plan{}
	for i := 0; i < 5; i++ {
		// Rotate the input: the plan must not depend on it.
		records = append(records[1:], records[0])
		p := NewPlan(records, utcPolicy(), now)
		assert.Equal(t, []string{"e1", "e2", "e3"}, expireIDs(p), "by expiry date, then id")
		assert.Equal(t, []string{"r1", "r2", "r3"}, remindIDs(p), "by days left, then id")
		assert.Equal(t, Counts{Records: 7, Expire: 3, Remind: 3, RemindDue: 1}, p.Counts)
		if i > 0 {
			assert.Equal(t, want, p)
		}
		want = p
	}
}

func TestPlanJSONArraysNeverNull(t *testing.T) {
	pol := utcPolicy()
	pol.ReminderDays = nil
	data, err := json.Marshal(NewPlan(nil, pol, at(t, "2026-11-29T12:00:00Z")))
	require.NoError(t, err)
	assert.JSONEq(t, `{"now":"2026-11-29T12:00:00Z","time_zone":"UTC","reminder_days":[],"expire":[],"remind":[],
		"counts":{"records":0,"expire":0,"remind":0,"remind_due":0}}`, string(data))
}
