package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/exctl/exctl/internal/bot"
	"github.com/exctl/exctl/internal/validate"
)

type expireOptions struct {
	common
	rev    string
	dryRun bool
}

func runExpire(e *env, args []string) error {
	var o expireOptions
	fs := e.flagSet("expire", "--dry-run [--rev REV] [--format text|json]",
		`Plans one run of the expiry bot: every approved record past the end of its
expiry_date in the policy time zone is to be expired (a branch
exctl/expire/<id> that sets status: expired, and a pull request that
mentions the owners), and owners are to be reminded on the day a record
reaches one of the policy's reminder_days.

Only --dry-run is available: it prints the plan and changes nothing.
Applying it through GitHub is not built yet.

A record that fails validation is not planned and makes the command exit 1,
so that the bot never skips a record silently; run 'exctl validate' for the
details. An invalid policy exits 2.`)
	o.register(fs, "text", "json")
	fs.StringVar(&o.rev, "rev", "", "read the records at this git `rev`ision instead of the work tree")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the plan and change nothing")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if err := o.checkFormat("text", "json"); err != nil {
		return err
	}
	if !o.dryRun {
		return usageErrorf("applying the plan (expiry branches, pull requests and reminders through GitHub) is not built yet; run with --dry-run to see what it would do")
	}
	now, err := o.clock(e)
	if err != nil {
		return err
	}
	l, err := e.loadEvaluable(o.repo, o.rev, now)
	if err != nil {
		return err
	}
	records, invalid := plannable(l)
	plan := bot.NewPlan(records, l.policy, now)
	if err := writePlan(e, o.format, plan); err != nil {
		return err
	}
	return e.leftOut(invalid, "file(s) are invalid and were not planned")
}

// plannable returns the records without errors, and how many files have
// errors: layout problems count too, since a misplaced file may be a record
// the bot would otherwise never see.
func plannable(l *loaded) ([]bot.Record, int) {
	bad := map[string]bool{}
	for _, f := range l.findings {
		if f.Level == validate.Error {
			bad[f.File] = true
		}
	}
	var records []bot.Record
	for _, r := range l.results {
		if r.Exception == nil {
			bad[r.Path] = true
		}
		if bad[r.Path] {
			continue
		}
		records = append(records, bot.Record{Path: r.Path, Exception: r.Exception})
	}
	return records, len(bad)
}

func writePlan(e *env, format string, p bot.Plan) error {
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	bw := bufio.NewWriter(e.stdout) // tabwriter writes cell by cell
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "expire (%d)\n", len(p.Expire))
	for _, x := range p.Expire {
		fmt.Fprintf(tw, "  %s\t%s\texpired %s\t%s ago\t%s\t%s\n",
			x.ID, x.Type, x.ExpiryDate, plural(x.DaysSinceExpiry, "day"), validate.Printable(strings.Join(x.Owners, ",")), x.Branch)
	}
	fmt.Fprintf(tw, "remind (%d)\n", len(p.Remind))
	for _, r := range p.Remind {
		due := "not due today"
		if r.Due {
			due = "due today"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s left\t%d-day reminder\t%s\t%s\n",
			r.ID, r.Type, plural(r.DaysLeft, "day"), r.Reminder, validate.Printable(strings.Join(r.Owners, ",")), due)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(bw, "dry run at %s (%s) over %s: %d to expire, %d to remind (%d due today); nothing changed\n",
		p.Now.Format(time.RFC3339), p.TimeZone, plural(p.Counts.Records, "record"), p.Counts.Expire, p.Counts.Remind, p.Counts.RemindDue)
	return bw.Flush()
}

func plural(n int, unit string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, unit)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
