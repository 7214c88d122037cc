package bench

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

type reportData struct {
	corpus   *Corpus
	rows     []Row
	base     []BaseCase
	commands []string
	missing  []string
	runs     int
	load     string // /proc/loadavg's 1-minute figure when the run started
}

func writeReport(w io.Writer, d reportData) {
	c := d.corpus
	fmt.Fprintf(w, "\n%d records (%.1f MB, %d planted invalid: %s), %d CPUs, median of %d run(s) after a warm-up\n",
		len(c.Records), float64(c.Bytes)/(1<<20), len(c.Invalid), plantedKinds(c), cpus(), d.runs)
	if d.load != "" {
		fmt.Fprintf(w, "load average before / after: %s / %s", d.load, loadAverage())
		if busy(d.load) {
			fmt.Fprint(w, " (the machine was busy: wall times are inflated, CPU times less so)")
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)

	var exctl, floor, gcFloor *Row
	for i := range d.rows {
		switch {
		case strings.HasPrefix(d.rows[i].Tool, "exctl"):
			exctl = &d.rows[i]
		case d.rows[i].Agree == nil && floor == nil: // the first is the floor as the issue defines it
			floor = &d.rows[i]
		case d.rows[i].Agree == nil:
			gcFloor = &d.rows[i]
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tool\twall\t(min-max)\tCPU\tpeak MB\tvs exctl\tvs floor\tinvalid files found\t")
	for _, r := range d.rows {
		found := "-"
		if r.Agree != nil {
			found = r.Agree.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t\n", r.Tool, secs(r.Timing.Wall), spread(r.Timing), secs(r.Timing.CPU),
			mb(r.Timing.RSS), ratio(&r, exctl), ratio(&r, floor), found)
	}
	tw.Flush()
	for _, r := range d.rows {
		if r.Note != "" {
			fmt.Fprintf(w, "%s: %s\n", r.Tool, r.Note)
		}
	}
	for _, m := range d.missing {
		fmt.Fprintf(w, "%s: not installed (run internal/bench/install-peers.sh); no figures\n", m)
	}

	for _, r := range d.rows {
		if r.Agree == nil || r.Agree.Agrees() {
			continue
		}
		fmt.Fprintf(w, "\n%s disagrees with the planted set:\n", r.Tool)
		for _, p := range r.Agree.Missed {
			fmt.Fprintf(w, "  missed %s (%s: %s)\n", p, c.Invalid[p].Kind, c.Invalid[p].Detail)
		}
		for _, p := range r.Agree.Extra {
			fmt.Fprintf(w, "  extra  %s\n", p)
		}
	}

	if len(d.base) > 0 {
		fmt.Fprintf(w, "\none record changed in a %d-record repository (median of %d run(s) after a warm-up):\n", len(c.Records), len(d.base[0].Timing.Samples))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "case\twall\tpeak MB\trecords read\t")
		for _, b := range d.base {
			fmt.Fprintf(tw, "%s\t%s\t%.0f\t%d\t\n", b.Name, ms(b.Timing.Wall), mb(b.Timing.RSS), b.Records)
		}
		tw.Flush()
	}

	if exctl != nil {
		fmt.Fprintln(w, "\ntargets:")
		t := exctl.Timing
		check(w, fmt.Sprintf("full run under %s", secs(Targets.Wall)), t.Wall < Targets.Wall, secs(t.Wall))
		if floor != nil && floor.Timing.Wall > 0 {
			// The absolute target belongs to the machine the issue timed;
			// the ratio to the floor carries over to it.
			fmt.Fprintf(w, "  (note) at the issue's floor of %s, the ratio to the floor here gives %s\n",
				secs(Targets.IssueFloor), secs(time.Duration(ratioOf(exctl, floor)*float64(Targets.IssueFloor))))
		}
		check(w, "uses both cores (CPU / wall)", float64(t.CPU)/float64(t.Wall) > 1.3, fmt.Sprintf("%.2f", float64(t.CPU)/float64(t.Wall)))
		for _, r := range d.rows {
			if r.Agree != nil && !strings.HasPrefix(r.Tool, "exctl") {
				check(w, "ahead of "+r.Tool, ratioOf(exctl, &r) < 1, ratio(exctl, &r)+" its time")
			}
		}
		if floor != nil {
			check(w, fmt.Sprintf("within %.1f× of the yaml.v3 floor", Targets.FloorRatio), ratioOf(exctl, floor) <= Targets.FloorRatio, ratio(exctl, floor))
		}
		if gcFloor != nil {
			fmt.Fprintf(w, "  (note) the same parse built and run as exctl is (its profile and collector settings): exctl takes %s its time\n", ratio(exctl, gcFloor))
		}
		check(w, fmt.Sprintf("peak memory under %.0f MB", mb(Targets.RSS)), t.RSS < Targets.RSS, fmt.Sprintf("%.0f MB", mb(t.RSS)))
		check(w, "found exactly the planted files", exctl.Agree != nil && exctl.Agree.Agrees(), exctl.Agree.String())
		for _, b := range d.base {
			check(w, fmt.Sprintf("%s under %s", b.Name, ms(Targets.Base)), b.Timing.Wall < Targets.Base && b.Records == 1, fmt.Sprintf("%s, %d record(s) read", ms(b.Timing.Wall), b.Records))
		}
	}

	fmt.Fprintln(w, "\ncommands:")
	for _, cmd := range d.commands {
		fmt.Fprintln(w, "  "+cmd)
	}
}

func check(w io.Writer, what string, ok bool, got string) {
	mark := "ok    "
	if !ok {
		mark = "MISSED"
	}
	fmt.Fprintf(w, "  %s %s: %s\n", mark, what, got)
}

func plantedKinds(c *Corpus) string {
	n := map[Kind]int{}
	for _, p := range c.Invalid {
		n[p.Kind]++
	}
	parts := make([]string, 0, len(Kinds))
	for _, k := range Kinds {
		parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
	}
	return strings.Join(parts, ", ")
}

// spread is the fastest and slowest wall time of the rounds.
func spread(t Timing) string {
	if len(t.Samples) == 0 {
		return "-"
	}
	lo, hi := t.Samples[0].Wall, t.Samples[0].Wall
	for _, s := range t.Samples[1:] {
		lo, hi = min(lo, s.Wall), max(hi, s.Wall)
	}
	return fmt.Sprintf("%.2f-%.2f", lo.Seconds(), hi.Seconds())
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }
func ms(d time.Duration) string   { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
func mb(b int64) float64          { return float64(b) / (1 << 20) }

// ratioOf is how many times longer r took than to: the median of the
// ratios within each round, where both ran moments apart, which holds
// better than the ratio of the medians on a machine whose speed drifts.
func ratioOf(r, to *Row) float64 {
	a, b := r.Timing.Samples, to.Timing.Samples
	if len(a) == 0 || len(a) != len(b) {
		return float64(r.Timing.Wall) / float64(to.Timing.Wall)
	}
	rs := make([]float64, len(a))
	for i := range a {
		rs[i] = float64(a[i].Wall) / float64(b[i].Wall)
	}
	slices.Sort(rs)
	if len(rs)%2 == 1 {
		return rs[len(rs)/2]
	}
	return (rs[len(rs)/2-1] + rs[len(rs)/2]) / 2
}

func ratio(r, to *Row) string {
	if to == nil || to.Timing.Wall == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", ratioOf(r, to))
}

// loadAverage is the 1-minute load average, or "" where /proc has none.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	return strings.Fields(string(data))[0]
}

// busy reports whether a load average says other work competed for the
// CPUs, which inflates wall times. Building the runner alone (go run) puts
// it near one on two CPUs.
func busy(load string) bool {
	f, err := strconv.ParseFloat(load, 64)
	return err == nil && f > float64(cpus())
}
