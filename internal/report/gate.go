// Package report renders decisions for people and machines: text for a
// terminal, JSON, Markdown for a GitHub step summary, and SARIF for code
// scanning.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/exctl/exctl/internal/gate"
	"github.com/exctl/exctl/internal/validate"
)

// GateText writes the decision for a terminal.
func GateText(w io.Writer, d *gate.Decision) error {
	p := &printer{w: w}
	verdict := "ALLOW"
	if !d.Allowed {
		verdict = "BLOCK"
	}
	covered := len(d.Needs) - len(d.Blocked())
	p.printf("%s deployment %s: %d need(s), %d covered, %d blocked\n", verdict, d.Intent, len(d.Needs), covered, len(d.Blocked()))
	p.printf("findings by severity: %s\n", severityLine(d.Findings))
	for _, n := range d.Needs {
		if n.Covered() {
			p.printf("  covered  %s\n           by %s", n.Summary, n.CoveredBy)
			if len(n.Controls) > 0 {
				p.printf(" (controls: %s)", strings.Join(n.Controls, ", "))
			}
			p.printf("\n")
			continue
		}
		p.printf("  BLOCKED  %s\n", n.Summary)
		for _, r := range n.Rejected {
			if r.ExceptionID == "" {
				p.printf("           %s\n", r.Detail)
			} else {
				p.printf("           %s %s [%s]\n", r.ExceptionID, r.Detail, r.Code)
			}
		}
	}
	for _, wr := range d.Warnings {
		if wr.ExceptionID != "" {
			p.printf("warning: %s %s [%s]\n", wr.ExceptionID, wr.Detail, wr.Code)
		} else {
			p.printf("warning: %s [%s]\n", wr.Detail, wr.Code)
		}
	}
	for _, id := range d.Retire {
		p.printf("retire?  %s is approved for this application but covered nothing here\n", id)
	}
	return p.err
}

// GateJSON writes the decision as one JSON document.
func GateJSON(w io.Writer, d *gate.Decision) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// GateMarkdown writes the decision for $GITHUB_STEP_SUMMARY.
func GateMarkdown(w io.Writer, d *gate.Decision) error {
	p := &printer{w: w}
	icon, verdict := "✅", "allowed"
	if !d.Allowed {
		icon, verdict = "⛔", "blocked"
	}
	p.printf("## %s Deployment `%s` %s\n\n", icon, d.Intent, verdict)
	p.printf("Findings by severity: %s\n\n", severityLine(d.Findings))
	if len(d.Needs) > 0 {
		p.printf("| | need | exception |\n| --- | --- | --- |\n")
		for _, n := range d.Needs {
			if n.Covered() {
				p.printf("| ✅ | %s | `%s` |\n", mdEscape(n.Summary), n.CoveredBy)
				continue
			}
			var why []string
			for _, r := range n.Rejected {
				if r.ExceptionID == "" {
					why = append(why, mdEscape(r.Detail))
				} else {
					why = append(why, fmt.Sprintf("`%s` %s", r.ExceptionID, mdEscape(r.Detail)))
				}
			}
			p.printf("| ⛔ | %s | %s |\n", mdEscape(n.Summary), strings.Join(why, "<br>"))
		}
		p.printf("\n")
	}
	if len(d.Warnings) > 0 {
		p.printf("**Warnings**\n\n")
		for _, wr := range d.Warnings {
			if wr.ExceptionID != "" {
				p.printf("- `%s` %s\n", wr.ExceptionID, mdEscape(wr.Detail))
			} else {
				p.printf("- %s\n", mdEscape(wr.Detail))
			}
		}
		p.printf("\n")
	}
	if len(d.Retire) > 0 {
		p.printf("**Candidates to retire** (approved for this application, covered nothing): %s\n", codeList(d.Retire))
	}
	return p.err
}

func codeList(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "`" + id + "`"
	}
	return strings.Join(out, ", ")
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

var severityOrder = []string{"Critical", "High", "Medium", "Low", "Negligible", "Unknown"}

func severityLine(counts map[string]int) string {
	var parts []string
	for _, s := range severityOrder {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, n))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

type printer struct {
	w   io.Writer
	err error
}

// printf writes every string argument through validate.Printable: package
// names, targets and ids come from scanner reports and records, and must
// not move the cursor or start lines of their own on a terminal.
func (p *printer) printf(format string, args ...any) {
	if p.err != nil {
		return
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = validate.Printable(s)
		}
	}
	_, p.err = fmt.Fprintf(p.w, format, args...)
}

// SARIF rule ids are stable: code scanning tracks alerts by them.
var sarifRules = []struct {
	id, name, text string
	kind           gate.Kind
}{
	{"exctl/uncovered-vulnerability", "UncoveredVulnerability", "A blocking vulnerability is not covered by an approved, unexpired exception.", gate.NeedVulnerability},
	{"exctl/unsigned-artifact", "UnsignedArtifact", "An unsigned artifact is not covered by an unsigned_package exception for its digest.", gate.NeedUnsigned},
	{"exctl/boundary-crossing", "BoundaryCrossing", "A boundary crossing is not covered by a CAB-approved cross_boundary exception.", gate.NeedBoundary},
	{"exctl/failed-gate", "FailedPromotionGate", "A failed promotion gate is not covered by a gate_override exception.", gate.NeedGate},
	{"exctl/exception-warning", "ExceptionWarning", "An exception used by the deployment expires soon, or a finding has no rating.", ""},
}

// GateSARIF writes blocked needs and warnings as a SARIF 2.1.0 log. The
// location is the intent file (code scanning needs one).
func GateSARIF(w io.Writer, d *gate.Decision, intentPath, version string) error {
	type msg struct {
		Text string `json:"text"`
	}
	type rule struct {
		ID               string         `json:"id"`
		Name             string         `json:"name"`
		ShortDescription msg            `json:"shortDescription"`
		Properties       map[string]any `json:"properties,omitempty"`
	}
	type location struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
		} `json:"physicalLocation"`
	}
	type result struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             msg               `json:"message"`
		Locations           []location        `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
	}
	var rules []rule
	index := map[gate.Kind]int{}
	for i, r := range sarifRules {
		rules = append(rules, rule{ID: r.id, Name: r.name, ShortDescription: msg{r.text}, Properties: map[string]any{"tags": []string{"security", "exctl"}}})
		index[r.kind] = i
	}
	var loc location
	loc.PhysicalLocation.ArtifactLocation.URI = intentPath
	results := []result{}
	for _, n := range d.Blocked() {
		text := n.Summary
		var why []string
		for _, r := range n.Rejected {
			if r.ExceptionID != "" {
				why = append(why, r.ExceptionID+" "+r.Detail)
			} else {
				why = append(why, r.Detail)
			}
		}
		if len(why) > 0 {
			text += ": " + strings.Join(why, "; ")
		}
		i := index[n.Kind]
		results = append(results, result{RuleID: sarifRules[i].id, RuleIndex: i, Level: "error", Message: msg{text}, Locations: []location{loc},
			PartialFingerprints: map[string]string{"exctlNeed/v1": string(n.Kind) + ":" + n.Key + ":" + n.Package}})
	}
	warnIndex := len(sarifRules) - 1
	for _, wr := range d.Warnings {
		results = append(results, result{RuleID: sarifRules[warnIndex].id, RuleIndex: warnIndex, Level: "warning", Message: msg{strings.TrimSpace(wr.ExceptionID + " " + wr.Detail)}, Locations: []location{loc},
			PartialFingerprints: map[string]string{"exctlWarning/v1": wr.Code + ":" + wr.ExceptionID}})
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Level == "error" && results[j].Level != "error" })
	log := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{
				"name": "exctl", "version": version, "informationUri": "https://exctl.dev", "rules": rules,
			}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
