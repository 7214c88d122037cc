// Package risk scores an exception from 0 (negligible) to 100 (severe) with
// the weights of the policy. The score decides whether the CAB must approve.
//
//	score = base + exposure + environment + privileged + cross-boundary + duration - control credit
//
// clamped to 0..100.
//
// base is the weight of the highest listed severity for vulnerability_scan
// and the type's base weight for the other types; exposure missing from the
// record counts as the most exposed value, and an exception not scoped to
// environments counts as the riskiest environment, since both apply
// everywhere until narrowed.
package risk

import (
	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/policy"
)

// Part is one term of a score, for explaining it.
type Part struct {
	Name   string
	Points int
}

// Score is a computed risk score with its terms.
type Score struct {
	Total int
	Parts []Part
}

// Compute scores e under the weights w.
func Compute(e *exception.Exception, w policy.RiskWeights) Score {
	var s Score
	add := func(name string, n int) {
		if n != 0 {
			s.Parts = append(s.Parts, Part{name, n})
			s.Total += n
		}
	}
	if e.Type == exception.VulnerabilityScan {
		highest := 0
		for _, v := range e.Vulnerabilities {
			highest = max(highest, w.Severity[v.Severity])
		}
		add("severity", highest)
	} else {
		add("type", w.TypeBase[string(e.Type)])
	}
	if n, ok := w.Exposure[e.Risk.Exposure]; ok {
		add("exposure "+e.Risk.Exposure, n)
	} else {
		add("exposure unknown (worst case)", maxWeight(w.Exposure, nil))
	}
	if len(e.Scope.Environments) == 0 {
		add("environment any (worst case)", maxWeight(w.Environment, nil))
	} else {
		add("environment", maxWeight(w.Environment, e.Scope.Environments))
	}
	if e.Risk.Privileged {
		add("privileged", w.Privileged)
	}
	if e.Type == exception.CrossBoundary {
		add("cross-boundary", w.CrossBoundary)
	}
	if !e.CreatedAt.IsZero() && !e.ExpiryDate.IsZero() {
		days := exception.DateOf(e.CreatedAt, e.CreatedAt.Location()).DaysUntil(e.ExpiryDate)
		periods := (max(days, 0) + 29) / 30
		add("duration", min(periods*w.DurationPer30Days, w.DurationMax))
	}
	structured := 0
	for _, c := range e.Controls {
		if c.Structured() {
			structured++
		}
	}
	add("structured controls", -min(structured*w.ControlCredit, w.ControlCreditMax))
	s.Total = min(max(s.Total, 0), 100)
	return s
}

// maxWeight is the largest weight among keys, or among all weights when keys
// is nil. An environment missing from the table weighs "default".
func maxWeight(table map[string]int, keys []string) int {
	best := 0
	if keys == nil {
		for _, n := range table {
			best = max(best, n)
		}
		return best
	}
	for _, k := range keys {
		n, ok := table[k]
		if !ok {
			n = table["default"]
		}
		best = max(best, n)
	}
	return best
}
