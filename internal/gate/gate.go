// Package gate decides whether a deployment may proceed: every need it has
// (a blocking scanner finding, an unsigned artifact, a boundary crossing, a
// failed promotion gate) must be covered by an approved, unexpired, in-scope
// exception, whose controls are active when the policy asks for that. It is
// pure: the caller reads reports, records and the policy.
package gate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/policy"
	"github.com/exctl/exctl/internal/scan"
)

// Kind is the kind of need a deployment has.
type Kind string

// Kinds of needs, also the stable rule ids of SARIF output.
const (
	NeedVulnerability Kind = "vulnerability"
	NeedUnsigned      Kind = "unsigned-artifact"
	NeedBoundary      Kind = "boundary-crossing"
	NeedGate          Kind = "failed-gate"
)

// ControlStatus is what a monitoring system reports about one control.
type ControlStatus struct {
	Active     bool      `json:"active"`
	VerifiedAt time.Time `json:"verified_at"`
}

// Input is everything a decision is made from.
type Input struct {
	Intent   *Intent
	Findings []scan.Finding
	// Suppressed are findings the scanner reports as suppressed (by an
	// ignore file or a VEX document). Unless the policy honours scanner
	// suppressions they need an exception like any other finding: a
	// hand-kept ignore file must not grant what no one approved.
	Suppressed []scan.Finding
	Exceptions []*exception.Exception
	Policy     *policy.Policy
	Now        time.Time
	// Window is how long the deployment takes: an exception used must stay
	// valid until Now+Window.
	Window time.Duration
	// Controls is the monitoring export; nil when none was given.
	Controls map[string]ControlStatus
}

// Reason says why an exception did not cover a need.
type Reason struct {
	ExceptionID string `json:"exception_id"`
	Code        string `json:"code"`
	Detail      string `json:"detail"`
}

// Need is one thing the deployment needs an exception for, and the outcome.
type Need struct {
	Kind     Kind     `json:"kind"`
	Key      string   `json:"key"` // CVE id, artifact name, gate name, source→target
	Summary  string   `json:"summary"`
	Severity string   `json:"severity,omitempty"`
	Package  string   `json:"package,omitempty"`
	Version  string   `json:"version,omitempty"`
	PURL     string   `json:"purl,omitempty"`
	Aliases  []string `json:"aliases,omitempty"`
	Targets  []string `json:"targets,omitempty"`
	// Suppressed is true when the scanner reported every finding of the
	// need as suppressed.
	Suppressed bool `json:"suppressed,omitempty"`
	// CoveredBy is the exception that covers the need; empty when blocked.
	CoveredBy string   `json:"covered_by,omitempty"`
	Controls  []string `json:"controls,omitempty"`
	// Rejected lists exceptions that name this need but cannot cover it.
	Rejected []Reason `json:"rejected,omitempty"`
}

// Covered reports whether an exception covers the need.
func (n Need) Covered() bool { return n.CoveredBy != "" }

// Decision is the gate's answer.
type Decision struct {
	Allowed bool   `json:"allowed"`
	Intent  string `json:"intent_id"`
	Needs   []Need `json:"needs"`
	// Warnings do not block: exceptions expiring within the policy's
	// warning days, findings without a rating.
	Warnings []Warning `json:"warnings,omitempty"`
	// Retire lists approved, valid, in-scope exceptions that covered
	// nothing here: candidates to retire.
	Retire []string `json:"retire,omitempty"`
	// Findings counts scanner findings by severity, blocking or not.
	Findings map[string]int `json:"findings"`
}

// Warning is a non-blocking observation.
type Warning struct {
	Code        string `json:"code"`
	ExceptionID string `json:"exception_id,omitempty"`
	Detail      string `json:"detail"`
}

// Blocked returns the needs no exception covers.
func (d *Decision) Blocked() []Need {
	var out []Need
	for _, n := range d.Needs {
		if !n.Covered() {
			out = append(out, n)
		}
	}
	return out
}

// Decide evaluates in. It never errs: anything it cannot establish blocks.
func Decide(in Input) *Decision {
	d := &Decision{Intent: in.Intent.ID, Findings: map[string]int{}}
	e := newEvaluator(in)
	blocking := blockingSeverity(in.Policy.Gate.BlockingSeverities)
	honour := in.Policy.Gate.HonorScannerSuppressions
	suppressed := in.Suppressed
	if honour {
		suppressed = nil
		for _, g := range groupFindings(in.Suppressed, nil) {
			if g.Severity >= blocking || (g.Severity == scan.Unknown && in.Policy.Gate.BlockUnrated) {
				d.Warnings = append(d.Warnings, Warning{Code: "scanner-suppressed", Detail: fmt.Sprintf("%s %s in %s is suppressed by the scanner; the policy honours scanner suppressions, so it needs no exception", g.Severity, g.ID, g.component())})
			}
		}
	}
	for _, g := range groupFindings(in.Findings, suppressed) {
		d.Findings[g.Severity.String()] += g.count
		if g.Severity == scan.Unknown {
			if !in.Policy.Gate.BlockUnrated {
				d.Warnings = append(d.Warnings, Warning{Code: "unrated-finding", Detail: fmt.Sprintf("%s in %s has no severity rating; it does not block unless the policy sets gate.block_unrated", g.ID, g.component())})
				continue
			}
		} else if g.Severity < blocking {
			continue
		}
		n := Need{Kind: NeedVulnerability, Key: g.ID, Severity: g.Severity.String(), Package: g.Package, Version: g.Version, PURL: g.PURL, Aliases: g.Aliases, Targets: g.targets,
			Summary: fmt.Sprintf("%s %s in %s", g.Severity, g.ID, g.component())}
		if g.suppressed == g.count {
			n.Suppressed = true
			n.Summary += " (suppressed by the scanner)"
		}
		e.cover(&n, e.vulnCandidates(g))
		d.Needs = append(d.Needs, n)
	}
	for _, a := range in.Intent.Artifacts {
		if a.Signed {
			continue
		}
		n := Need{Kind: NeedUnsigned, Key: a.Name, Version: a.Version, PURL: a.PURL, Summary: fmt.Sprintf("unsigned artifact %s (sha256:%s)", a.Name, short(a.Digest))}
		e.cover(&n, e.unsignedCandidates(a))
		d.Needs = append(d.Needs, n)
	}
	if b := in.Intent.Boundary; b != nil && b.Source != b.Target {
		n := Need{Kind: NeedBoundary, Key: b.Source + "→" + b.Target, Summary: fmt.Sprintf("deployment crosses from %s to %s", b.Source, b.Target)}
		e.cover(&n, e.boundaryCandidates(*b))
		d.Needs = append(d.Needs, n)
	}
	for _, g := range in.Intent.Gates {
		if g.Passed {
			continue
		}
		n := Need{Kind: NeedGate, Key: g.Name, Summary: fmt.Sprintf("promotion gate %s failed (threshold %s, actual %s)", g.Name, orDash(g.Threshold), orDash(g.Actual))}
		e.cover(&n, e.gateCandidates(g))
		d.Needs = append(d.Needs, n)
	}
	d.Warnings = append(d.Warnings, e.warnings...)
	d.Retire = e.retire()
	d.Allowed = true
	for i := range d.Needs {
		d.Allowed = d.Allowed && d.Needs[i].Covered()
	}
	return d
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}

// blockingSeverity is the lowest severity the policy lists: findings at or
// above it block.
func blockingSeverity(names []string) scan.Severity {
	lowest := scan.Critical
	for _, n := range names {
		if s, err := scan.ParseSeverity(n); err == nil && s < lowest && s != scan.Unknown {
			lowest = s
		}
	}
	return lowest
}

// findingGroup is one vulnerability in one component, however many
// targets report it.
type findingGroup struct {
	scan.Finding
	targets    []string
	count      int
	suppressed int // how many of count the scanner suppressed
}

func (g *findingGroup) component() string {
	if g.Package == "" {
		if g.PURL != "" {
			return g.PURL
		}
		return "(unknown package)"
	}
	if g.Version != "" {
		return g.Package + " " + g.Version
	}
	return g.Package
}

// groupFindings groups the findings and the suppressed findings together:
// a finding one report suppresses and another does not is one need.
func groupFindings(fs, suppressed []scan.Finding) []*findingGroup {
	index := map[string]*findingGroup{}
	// Reports repeat the same packages across many findings: each package
	// URL is parsed once, for its key and its version.
	type parsed struct{ key, version string }
	purls := map[string]parsed{}
	var out []*findingGroup
	for i := range len(fs) + len(suppressed) {
		f, isSuppressed := lookup(fs, suppressed, i)
		// A group is judged by its first finding, so the key must never
		// join two packages: each kind of package identity has its own
		// tag, and every free-form part is quoted. A package URL that does
		// not parse keeps its finding apart from every other package's,
		// and from findings of the same name with a URL that does or none.
		// Packages are told apart as finely as matching tells them: a
		// package URL by its parts as samePackage normalises them, a name
		// letter for letter and with its OSV ecosystem.
		comp := "n" + strconv.Quote(f.Package) + strconv.Quote(f.Ecosystem)
		version := f.Version
		if f.PURL != "" {
			pp, ok := purls[f.PURL]
			if !ok {
				if p, ok := scan.ParsePURL(f.PURL); ok {
					t := strings.ToLower(p.Type)
					// Quoted apart: a decoded name may hold a "/".
					pp.key = strconv.Quote(t) + strconv.Quote(normNamespace(t, p.Namespace)) + strconv.Quote(normName(t, p.Name))
					pp.version = p.FullVersion()
				}
				purls[f.PURL] = pp
			}
			comp = "p" + strconv.Quote(pp.key)
			if pp.key == "" {
				comp = "u" + strconv.Quote(f.PURL) + strconv.Quote(f.Package)
			}
			if pp.version != "" {
				version = pp.version // as findingVersion reads it
			}
		}
		key := strconv.Quote(strings.ToUpper(f.ID)) + comp + strconv.Quote(f.Version) + strconv.Quote(version)
		g, ok := index[key]
		if !ok {
			g = &findingGroup{Finding: *f}
			index[key] = g
			out = append(out, g)
		}
		g.count++
		if isSuppressed {
			g.suppressed++
		}
		if f.Severity > g.Severity {
			g.Severity = f.Severity
		}
		g.Aliases = mergeAliases(g.Aliases, f.Aliases, g.ID)
		if f.Target != "" && !contains(g.targets, f.Target) {
			g.targets = append(g.targets, f.Target)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Severity != out[j].Severity {
			return out[i].Severity > out[j].Severity
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// lookup returns the i-th finding of fs followed by suppressed.
func lookup(fs, suppressed []scan.Finding, i int) (f *scan.Finding, isSuppressed bool) {
	if i < len(fs) {
		return &fs[i], false
	}
	return &suppressed[i-len(fs)], true
}

func mergeAliases(have, add []string, id string) []string {
	for _, a := range add {
		if !strings.EqualFold(a, id) && !containsFold(have, a) {
			have = append(have, a)
		}
	}
	return have
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func containsFold(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
