package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/risk"
	"github.com/exctl/exctl/internal/validate"
)

type listOptions struct {
	common
	rev            string
	typ            string
	status         string
	expiringWithin string
}

type listRow struct {
	ID           string   `json:"id"`
	Path         string   `json:"path"`
	Type         string   `json:"type"`
	Status       string   `json:"status"`
	State        string   `json:"state"`
	Risk         int      `json:"risk"`
	RiskParts    []string `json:"risk_parts,omitempty"`
	ExpiryDate   string   `json:"expiry_date,omitempty"`
	ValidThrough string   `json:"valid_through,omitempty"`
	DaysLeft     *int     `json:"days_left,omitempty"`
	Owners       []string `json:"owners,omitempty"`
	RequestedBy  string   `json:"requested_by,omitempty"`
	Errors       []string `json:"errors,omitempty"`
}

func runList(e *env, args []string) error {
	var o listOptions
	fs := e.flagSet("list", "[--type T] [--status S] [--expiring-within 14d] [--rev REV] [--format text|json]",
		`Lists the exceptions with their effective state at --now: an approved record
past the end of its expiry_date (in the policy time zone) shows as expired
even before the expiry bot commits that. Risk is the policy's risk score.

Records that fail validation are listed with state "invalid" and make the
command exit 1; run 'exctl validate' for the details.`)
	o.register(fs, "text", "json")
	fs.StringVar(&o.rev, "rev", "", "read the records at this git `rev`ision instead of the work tree")
	fs.StringVar(&o.typ, "type", "", "only this exception `type`")
	fs.StringVar(&o.status, "status", "", "only this effective `state`: pending|approved|denied|expired|invalid")
	fs.StringVar(&o.expiringWithin, "expiring-within", "", "only approved exceptions expiring within this `period` (14d, 2w, 36h)")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if err := o.checkFormat("text", "json"); err != nil {
		return err
	}
	if o.typ != "" && !exception.Type(o.typ).Known() {
		return usageErrorf("--type %q: want one of %s", o.typ, typeNames())
	}
	if o.status != "" && !contains([]string{"pending", "approved", "denied", "expired", "invalid"}, o.status) {
		return usageErrorf("--status %q: want pending|approved|denied|expired|invalid", o.status)
	}
	within, err := periodFlag("expiring-within", o.expiringWithin)
	if err != nil {
		return err
	}
	now, err := o.clock(e)
	if err != nil {
		return err
	}
	l, err := e.loadEvaluable(o.repo, o.rev, now)
	if err != nil {
		return err
	}
	byFile := map[string][]validate.Finding{}
	for _, f := range l.findings {
		if f.Level == validate.Error {
			byFile[f.File] = append(byFile[f.File], f)
		}
	}
	loc := l.policy.Location
	var rows []listRow
	invalid := 0
	for _, r := range l.results {
		row := listRow{Path: r.Path, State: "invalid"}
		if x := r.Exception; x != nil {
			score := risk.Compute(x, l.policy.Risk)
			row = listRow{
				ID: x.ID, Path: r.Path, Type: string(x.Type), Status: string(x.Status),
				State: string(x.StateAt(now, loc)), Risk: score.Total,
				ExpiryDate: x.ExpiryDate.String(), ValidThrough: x.ValidThrough(loc).Format(time.RFC3339),
				Owners: x.NotifyOwners(), RequestedBy: x.RequestedBy,
			}
			// Days left mean something for a record that is or may become
			// valid; for a denied or committed-expired one a positive count
			// would read as still valid.
			if x.Status == exception.Pending || x.Status == exception.Approved {
				days := x.DaysLeft(now, loc)
				row.DaysLeft = &days
			}
			for _, p := range score.Parts {
				row.RiskParts = append(row.RiskParts, fmt.Sprintf("%s %+d", p.Name, p.Points))
			}
		}
		for _, f := range byFile[r.Path] {
			row.State = "invalid"
			row.Errors = append(row.Errors, f.String())
		}
		if row.State == "invalid" {
			invalid++
		}
		if !o.keep(row, now, within) {
			continue
		}
		rows = append(rows, row)
	}
	if err := writeList(e, o.format, rows); err != nil {
		return err
	}
	return e.leftOut(invalid, "record(s) are invalid")
}

// leftOut answers no, with a word on stderr, when n files were left out of
// the output for being invalid: a partial answer must not pass as whole.
func (e *env) leftOut(n int, what string) error {
	if n == 0 {
		return nil
	}
	fmt.Fprintf(e.stderr, "%d %s; run 'exctl validate' for details\n", n, what)
	return ErrNo
}

func (o listOptions) keep(r listRow, now time.Time, within *period) bool {
	if o.typ != "" && r.Type != o.typ {
		return false
	}
	if o.status != "" && r.State != o.status {
		return false
	}
	if within != nil {
		if r.State != string(exception.StateApproved) || r.DaysLeft == nil {
			return false
		}
		// In days, as the table counts them: 14d keeps a record with 14
		// days left, 0d one on its last day.
		if within.days >= 0 {
			return *r.DaysLeft <= within.days
		}
		until, err := time.Parse(time.RFC3339, r.ValidThrough)
		if err != nil || until.After(now.Add(within.d)) {
			return false
		}
	}
	return true
}

func writeList(e *env, format string, rows []listRow) error {
	if format == "json" {
		if rows == nil {
			rows = []listRow{}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.stderr, "no exceptions match")
		return nil
	}
	// tabwriter writes each cell on its own: buffer, or a large repository
	// costs a system call per cell.
	bw := bufio.NewWriter(e.stdout)
	defer bw.Flush()
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tSTATUS\tSTATE\tRISK\tEXPIRES\tDAYS LEFT\tOWNER")
	for _, r := range rows {
		if r.ID == "" {
			fmt.Fprintf(tw, "%s\t-\t-\tinvalid\t-\t-\t-\t-\n", validate.Printable(r.Path))
			continue
		}
		days := "-"
		if r.DaysLeft != nil {
			days = strconv.Itoa(*r.DaysLeft)
		}
		state := r.State
		if expiredUncommitted(r) {
			state += "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.ID, r.Type, r.Status, state, r.Risk, r.ExpiryDate, days, validate.Printable(strings.Join(r.Owners, ",")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if expiredUncommitted(r) {
			fmt.Fprintln(bw, "\n* expired: an approved record past its expiry date, before the expiry bot commits status: expired")
			break
		}
	}
	return bw.Flush()
}

func expiredUncommitted(r listRow) bool {
	return r.State == string(exception.StateExpired) && r.Status == string(exception.Approved)
}

// maxPeriodDays bounds a period: far beyond any expiry, and far below
// where a count of nanoseconds overflows and turns negative.
const maxPeriodDays = 100 * 366

// period is a --expiring-within or --window value: whole days (14d, 2w),
// or a duration (36h).
type period struct {
	days int // for 14d and 2w; -1 for a duration
	d    time.Duration
}

// parsePeriod reads 14d, 2w or a Go duration, none negative or beyond a
// century.
func parsePeriod(s string) (period, error) {
	for suffix, unit := range map[string]int{"d": 1, "w": 7} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v < 0 || v > maxPeriodDays/unit {
				return period{}, fmt.Errorf("%q: want a number of days such as 14d, at most %dd", s, maxPeriodDays)
			}
			return period{days: v * unit, d: time.Duration(v*unit) * 24 * time.Hour}, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > maxPeriodDays*24*time.Hour {
		return period{}, fmt.Errorf("%q: want a period such as 14d, 2w or 36h, at most %dd", s, maxPeriodDays)
	}
	return period{days: -1, d: d}, nil
}

func typeNames() string {
	var out []string
	for _, t := range exception.Types {
		out = append(out, string(t))
	}
	return strings.Join(out, "|")
}
