// Package bot is the expiry bot: it plans what one scheduled run does —
// which approved records to expire and which owners to remind — from the
// records, the policy and the clock. Planning does no I/O, so a dry run
// and the run that applies the plan see the same actions.
package bot

import (
	"fmt"
	"sort"
	"time"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/policy"
)

// BranchPrefix starts the name of the branch an expiry is pushed on; one
// branch per record lets a later run find and update its pull request
// instead of opening a second one.
const BranchPrefix = "exctl/expire/"

// EventExpired is the Exception-Event trailer of an expiry commit.
const EventExpired = "EXCEPTION_EXPIRED"

// Record is one exception and the repository path it was read from.
type Record struct {
	Path      string
	Exception *exception.Exception
}

// Plan is what one run of the bot would do at Now.
type Plan struct {
	Now          time.Time `json:"now"`
	TimeZone     string    `json:"time_zone"`
	ReminderDays []int     `json:"reminder_days"`
	Expire       []Expire  `json:"expire"`
	Remind       []Remind  `json:"remind"`
	Counts       Counts    `json:"counts"`
}

// Counts summarise a plan.
type Counts struct {
	Records   int `json:"records"` // records planned over
	Expire    int `json:"expire"`
	Remind    int `json:"remind"`
	RemindDue int `json:"remind_due"`
}

// Expire is one approved record past the end of its expiry date, and the
// change and pull request that record it.
type Expire struct {
	ID              string         `json:"id"`
	Path            string         `json:"path"`
	Type            exception.Type `json:"type"`
	ExpiryDate      string         `json:"expiry_date"`
	DaysSinceExpiry int            `json:"days_since_expiry"`
	Owners          []string       `json:"owners"`
	Branch          string         `json:"branch"`
	Title           string         `json:"title"`
	Set             []Field        `json:"set"`
	Trailers        []Trailer      `json:"trailers"`
}

// Field is a top-level record field and the value the bot writes to it.
type Field struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Trailer is one machine-readable line at the end of a commit message.
type Trailer struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (t Trailer) String() string { return t.Key + ": " + t.Value }

// Remind is one approved, still valid record inside the reminder window.
type Remind struct {
	ID           string         `json:"id"`
	Path         string         `json:"path"`
	Type         exception.Type `json:"type"`
	Reminder     int            `json:"reminder"` // the reminder_days value reached
	DaysLeft     int            `json:"days_left"`
	ExpiryDate   string         `json:"expiry_date"`
	ValidThrough time.Time      `json:"valid_through"`
	Owners       []string       `json:"owners"`
	Due          bool           `json:"due"`
}

// NewPlan plans a run at now over records under pol. Records with no
// exception (they failed validation) are the caller's to report; they are
// left out here. The slices of the result are never nil, so the plan
// encodes as JSON arrays.
func NewPlan(records []Record, pol *policy.Policy, now time.Time) Plan {
	loc := pol.Location
	p := Plan{
		Now:          now,
		TimeZone:     pol.TimeZone,
		ReminderDays: append([]int{}, pol.ReminderDays...),
		Expire:       []Expire{},
		Remind:       []Remind{},
	}
	updated := now.UTC().Format(time.RFC3339)
	for _, r := range records {
		x := r.Exception
		if x == nil {
			continue
		}
		p.Counts.Records++
		// Only an approved record moves to expired; a committed expired,
		// pending or denied record needs nothing from the bot.
		if x.Status != exception.Approved {
			continue
		}
		left := x.DaysLeft(now, loc)
		if x.StateAt(now, loc) == exception.StateExpired {
			p.Expire = append(p.Expire, Expire{
				ID:              x.ID,
				Path:            r.Path,
				Type:            x.Type,
				ExpiryDate:      x.ExpiryDate.String(),
				DaysSinceExpiry: -left,
				Owners:          owners(x),
				Branch:          BranchPrefix + x.ID,
				Title:           fmt.Sprintf("Expire exception %s (%s, expired %s)", x.ID, x.Type, x.ExpiryDate),
				Set: []Field{
					{Key: "status", Value: string(exception.Expired)},
					{Key: "updated_at", Value: updated},
				},
				Trailers: []Trailer{
					{Key: "Exception-Id", Value: x.ID},
					{Key: "Exception-Event", Value: EventExpired},
				},
			})
			continue
		}
		reminder, ok := reminderFor(pol.ReminderDays, left)
		if !ok {
			continue
		}
		p.Remind = append(p.Remind, Remind{
			ID:           x.ID,
			Path:         r.Path,
			Type:         x.Type,
			Reminder:     reminder,
			DaysLeft:     left,
			ExpiryDate:   x.ExpiryDate.String(),
			ValidThrough: x.ValidThrough(loc),
			Owners:       owners(x),
			Due:          reminderDue(pol.ReminderDays, left),
		})
	}
	// YYYY-MM-DD strings sort as the dates do.
	sort.Slice(p.Expire, func(i, j int) bool {
		a, b := p.Expire[i], p.Expire[j]
		if a.ExpiryDate != b.ExpiryDate {
			return a.ExpiryDate < b.ExpiryDate
		}
		return a.ID < b.ID
	})
	sort.Slice(p.Remind, func(i, j int) bool {
		a, b := p.Remind[i], p.Remind[j]
		if a.DaysLeft != b.DaysLeft {
			return a.DaysLeft < b.DaysLeft
		}
		return a.ID < b.ID
	})
	p.Counts.Expire = len(p.Expire)
	p.Counts.Remind = len(p.Remind)
	for _, r := range p.Remind {
		if r.Due {
			p.Counts.RemindDue++
		}
	}
	return p
}

// owners copies the record's notify list so a plan never aliases a record.
func owners(x *exception.Exception) []string {
	return append([]string{}, x.NotifyOwners()...)
}

// reminderFor returns the reminder a record with left days to go falls
// under: the smallest of days that is at least left. ok is false when left
// is beyond every reminder.
func reminderFor(days []int, left int) (reminder int, ok bool) {
	for _, d := range days {
		if d >= left && (!ok || d < reminder) {
			reminder, ok = d, true
		}
	}
	return reminder, ok
}

// reminderDue reports whether today's run sends the reminder. The bot keeps
// no state, so it reminds on the day the threshold changes: left equals a
// reminder day, or yesterday's days left (left+1) fell under a larger
// reminder or none. (The two coincide; the second states the intent.) Run
// daily, that is once per threshold; a missed run misses that reminder.
func reminderDue(days []int, left int) bool {
	now, ok := reminderFor(days, left)
	if !ok {
		return false
	}
	if now == left {
		return true
	}
	before, ok := reminderFor(days, left+1)
	return !ok || before != now
}
