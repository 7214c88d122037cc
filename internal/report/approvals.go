package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/exctl/exctl/internal/approval"
)

// ApprovalsJSON writes the verdict as one JSON document.
func ApprovalsJSON(w io.Writer, v approval.Verdict) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func subjects(v approval.Verdict) []approval.RecordVerdict {
	out := append([]approval.RecordVerdict(nil), v.Records...)
	if v.Policy != nil {
		out = append(out, *v.Policy)
	}
	return out
}

func subjectName(r approval.RecordVerdict) string {
	if r.Kind == approval.KindPolicy {
		return "policy change (" + r.Path + ")"
	}
	if r.ExceptionID != "" {
		return fmt.Sprintf("%s %s", r.Type, r.ExceptionID)
	}
	return r.Path
}

func seatLine(s approval.SeatVerdict) (who, missing string) {
	var names []string
	for _, a := range s.FilledBy {
		names = append(names, "@"+a.Login)
	}
	who = strings.Join(names, ", ")
	if who == "" {
		who = "-"
	}
	if s.Missing > 0 {
		missing = fmt.Sprintf("%d more from %s", s.Missing, orDashTeam(s.Team))
		if s.Undecided {
			missing += " (membership lookup failed)"
		}
	}
	return who, missing
}

func orDashTeam(team string) string {
	if team == "" {
		return "(no team in the policy)"
	}
	return "@" + team
}

// ApprovalsText writes one block per record: required groups, who
// approved, who is missing, and why reviews did not count.
func ApprovalsText(w io.Writer, v approval.Verdict) error {
	p := &printer{w: w}
	p.printf("pull request #%d at %s: %s\n", v.PR, short(v.HeadSHA), strings.ToUpper(string(v.State)))
	for _, pr := range v.Problems {
		p.printf("  problem: %s\n", pr.Text)
	}
	for _, r := range subjects(v) {
		p.printf("\n%s — %s", subjectName(r), r.State)
		if r.Kind == approval.KindRecord && r.ExceptionID != "" {
			p.printf(" (risk %d, requested by %s)", r.RiskScore, r.RequestedBy)
		}
		p.printf("\n")
		for _, s := range r.Seats {
			who, missing := seatLine(s)
			p.printf("  %-24s approved: %-24s", fmt.Sprintf("%s ×%d", s.Name, s.Count), who)
			if missing != "" {
				p.printf(" missing: %s", missing)
			}
			p.printf("\n")
		}
		for _, b := range r.Blocks {
			p.printf("  blocked by @%s (%s): %s\n", b.User, b.Group, b.Text)
		}
		for _, pr := range r.Problems {
			p.printf("  problem: %s\n", pr.Text)
		}
		for _, ig := range r.Ignored {
			p.printf("  did not count: @%s %s — %s\n", ig.User, strings.ToLower(ig.State), ig.Text)
		}
	}
	if len(v.Ignored) > 0 {
		p.printf("\n")
		for _, ig := range v.Ignored {
			p.printf("did not count: @%s %s — %s\n", ig.User, strings.ToLower(ig.State), ig.Text)
		}
	}
	return p.err
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// ApprovalsMarkdown writes the sticky pull request comment; marker is the
// hidden comment that finds it again.
func ApprovalsMarkdown(w io.Writer, v approval.Verdict, marker string) error {
	p := &printer{w: w}
	icons := map[approval.State]string{approval.StateApproved: "✅", approval.StatePending: "⏳", approval.StateDenied: "⛔", approval.StateError: "⚠️"}
	p.printf("%s\n### %s exctl approvals: %s at %s\n\n", marker, icons[v.State], v.State, short(v.HeadSHA))
	for _, pr := range v.Problems {
		p.printf("> %s\n\n", mdEscape(pr.Text))
	}
	for _, r := range subjects(v) {
		p.printf("**%s** %s %s", mdEscape(subjectName(r)), icons[r.State], r.State)
		if r.Kind == approval.KindRecord && r.ExceptionID != "" {
			p.printf(" · risk %d · requested by %s", r.RiskScore, mdEscape(r.RequestedBy))
		}
		p.printf("\n\n")
		if len(r.Seats) > 0 {
			p.printf("| group | needed | approved by | missing |\n| --- | --- | --- | --- |\n")
			for _, s := range r.Seats {
				who, missing := seatLine(s)
				p.printf("| %s | %d | %s | %s |\n", mdEscape(s.Name), s.Count, mdEscape(who), mdEscape(orDash(missing)))
			}
			p.printf("\n")
		}
		var notes []string
		for _, b := range r.Blocks {
			notes = append(notes, fmt.Sprintf("⛔ @%s (%s): %s", b.User, b.Group, b.Text))
		}
		for _, pr := range r.Problems {
			notes = append(notes, "⚠️ "+pr.Text)
		}
		for _, ig := range r.Ignored {
			notes = append(notes, fmt.Sprintf("@%s's review did not count: %s", ig.User, ig.Text))
		}
		for _, n := range notes {
			p.printf("- %s\n", mdEscape(n))
		}
		if len(notes) > 0 {
			p.printf("\n")
		}
	}
	if len(v.Ignored) > 0 {
		p.printf("<details><summary>%d review(s) that count for nothing</summary>\n\n", len(v.Ignored))
		for _, ig := range v.Ignored {
			p.printf("- @%s (%s): %s\n", ig.User, strings.ToLower(ig.State), mdEscape(ig.Text))
		}
		p.printf("\n</details>\n")
	}
	return p.err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
