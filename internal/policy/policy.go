// Package policy holds exceptions/policy.yaml: approver groups and their
// GitHub teams, per-type approvers and expiry limits, the CAB rule, the risk
// weights and the gate's settings, with the defaults that apply when the
// file or a field is absent.
package policy

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/exctl/exctl/internal/exception"
)

// Policy is the parsed policy with defaults filled in.
type Policy struct {
	TimeZone            string
	Location            *time.Location
	Groups              map[string]Group
	PolicyOwners        []string
	Types               map[exception.Type]TypeRule
	CAB                 CABRule
	MaxExtensionDays    int
	ReminderDays        []int
	PlainStringControls string // "error" or "warning"
	Risk                RiskWeights
	Gate                GateSettings
}

// Group is a set of approvers backed by one GitHub team.
type Group struct {
	Key  string
	Name string
	Org  string
	Team string // the team's slug
}

// Seat is one group's required approvals for a type.
type Seat struct {
	Group string
	Count int
}

// TypeRule is what the policy says about one exception type.
type TypeRule struct {
	Approvers         []Seat
	DefaultExpiryDays int
	MaxExpiryDays     int
}

// CABRule says when the CAB must approve on top of a type's approvers.
type CABRule struct {
	Group         string
	RiskThreshold int
	Privileged    bool
}

// RiskWeights are the points of the risk model; see package risk.
type RiskWeights struct {
	Severity          map[string]int
	TypeBase          map[string]int
	Exposure          map[string]int
	Environment       map[string]int
	Privileged        int
	CrossBoundary     int
	DurationPer30Days int
	DurationMax       int
	ControlCredit     int
	ControlCreditMax  int
}

// GateSettings configure exctl gate.
type GateSettings struct {
	BlockingSeverities    []string
	RequireActiveControls bool
	ControlsMaxAge        time.Duration
	WarningDays           int
	// HonorScannerSuppressions lets findings a scanner reports as
	// suppressed (ignore files, VEX) pass without an exception.
	HonorScannerSuppressions bool
	// BlockUnrated makes findings without a severity rating need an
	// exception; otherwise they are warnings.
	BlockUnrated bool
}

// Default is the policy that applies when exceptions/policy.yaml is absent.
// Its groups have no teams, so nothing can be approved until a policy names
// them: approval fails closed.
func Default() *Policy {
	return &Policy{
		TimeZone: "UTC",
		Location: time.UTC,
		Groups: map[string]Group{
			"security": {Key: "security", Name: "Security Reviewers"},
			"cab":      {Key: "cab", Name: "Change Advisory Board"},
		},
		Types: map[exception.Type]TypeRule{
			exception.VulnerabilityScan: {Approvers: []Seat{{"security", 1}}, DefaultExpiryDays: 90, MaxExpiryDays: 90},
			exception.UnsignedPackage:   {Approvers: []Seat{{"security", 1}}, DefaultExpiryDays: 90, MaxExpiryDays: 90},
			exception.CrossBoundary:     {Approvers: []Seat{{"security", 1}, {"cab", 1}}, DefaultExpiryDays: 90, MaxExpiryDays: 90},
			exception.GateOverride:      {Approvers: []Seat{{"security", 1}, {"cab", 1}}, DefaultExpiryDays: 30, MaxExpiryDays: 90},
		},
		CAB:                 CABRule{Group: "cab", RiskThreshold: 50, Privileged: true},
		MaxExtensionDays:    90,
		ReminderDays:        []int{14, 7, 1},
		PlainStringControls: "warning",
		Risk: RiskWeights{
			Severity:          map[string]int{"Critical": 40, "High": 30, "Medium": 15, "Low": 5},
			TypeBase:          map[string]int{string(exception.UnsignedPackage): 25, string(exception.CrossBoundary): 20, string(exception.GateOverride): 20},
			Exposure:          map[string]int{"internet": 25, "partner": 15, "internal": 8, "isolated": 0},
			Environment:       map[string]int{"production": 15, "staging": 5, "default": 3},
			Privileged:        15,
			CrossBoundary:     10,
			DurationPer30Days: 2,
			DurationMax:       8,
			ControlCredit:     5,
			ControlCreditMax:  15,
		},
		Gate: GateSettings{
			BlockingSeverities: []string{"Critical", "High"},
			ControlsMaxAge:     24 * time.Hour,
			WarningDays:        7,
		},
	}
}

// Rule returns the rule for t and whether the policy covers t.
func (p *Policy) Rule(t exception.Type) (TypeRule, bool) {
	r, ok := p.Types[t]
	return r, ok && len(r.Approvers) > 0
}

// OwnerGroups are the groups whose approval a change to the policy or to
// CODEOWNERS needs: policy_owners, or else every group that approves a type.
func (p *Policy) OwnerGroups() []string {
	if len(p.PolicyOwners) > 0 {
		return p.PolicyOwners
	}
	seen := map[string]bool{}
	for _, r := range p.Types {
		for _, s := range r.Approvers {
			seen[s.Group] = true
		}
	}
	out := make([]string, 0, len(seen))
	for g := range seen {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// GroupError is a policy problem at a JSON pointer within policy.yaml.
type GroupError struct {
	Pointer string
	Msg     string
}

func (e *GroupError) Error() string { return e.Msg }

// FromValue reads policy.yaml's JSON value (already schema-valid) over the
// defaults and checks what the schema cannot: references between groups,
// time zones, and limits that contradict each other.
func FromValue(v any) (*Policy, []*GroupError) {
	p := Default()
	m, ok := v.(map[string]any)
	if !ok {
		return nil, []*GroupError{{Pointer: "", Msg: "policy is not a mapping"}}
	}
	var errs []*GroupError
	fail := func(ptr, format string, args ...any) {
		errs = append(errs, &GroupError{Pointer: ptr, Msg: fmt.Sprintf(format, args...)})
	}
	if tz, ok := m["timezone"].(string); ok {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			fail("/timezone", "unknown time zone %q: use an IANA name such as Europe/Berlin", tz)
		} else {
			p.TimeZone, p.Location = tz, loc
		}
	}
	if gs, ok := m["groups"].(map[string]any); ok {
		p.Groups = map[string]Group{}
		for key, g := range gs {
			gm, _ := g.(map[string]any)
			name, _ := gm["name"].(string)
			team, _ := gm["team"].(string)
			org, slug, _ := strings.Cut(strings.TrimPrefix(team, "@"), "/")
			if name == "" {
				name = key
			}
			p.Groups[key] = Group{Key: key, Name: name, Org: org, Team: slug}
		}
	}
	if ts, ok := m["types"].(map[string]any); ok {
		for key, t := range ts {
			tm, _ := t.(map[string]any)
			rule := p.Types[exception.Type(key)]
			if as, ok := tm["approvers"].([]any); ok {
				rule.Approvers = nil
				for _, a := range as {
					switch a := a.(type) {
					case string:
						rule.Approvers = append(rule.Approvers, Seat{Group: a, Count: 1})
					case map[string]any:
						g, _ := a["group"].(string)
						// count: 2.0 is the integer 2 to the schema, and
						// must not fall back to one approval here.
						n := 1
						if c, ok := intField(a, "count"); ok {
							n = c
						}
						rule.Approvers = append(rule.Approvers, Seat{Group: g, Count: n})
					}
				}
			}
			if d, ok := intField(tm, "default_expiry_days"); ok {
				rule.DefaultExpiryDays = d
			}
			if d, ok := intField(tm, "max_expiry_days"); ok {
				rule.MaxExpiryDays = d
			}
			if rule.DefaultExpiryDays > rule.MaxExpiryDays {
				fail("/types/"+key, "default_expiry_days %d is above max_expiry_days %d", rule.DefaultExpiryDays, rule.MaxExpiryDays)
			}
			seen := map[string]bool{}
			for i, s := range rule.Approvers {
				if _, ok := p.Groups[s.Group]; !ok {
					fail(fmt.Sprintf("/types/%s/approvers/%d", key, i), "group %q is not defined under groups", s.Group)
				}
				if seen[s.Group] {
					fail(fmt.Sprintf("/types/%s/approvers/%d", key, i), "group %q is listed twice: use count", s.Group)
				}
				seen[s.Group] = true
			}
			p.Types[exception.Type(key)] = rule
		}
	}
	if owners, ok := m["policy_owners"].([]any); ok {
		for i, o := range owners {
			s, _ := o.(string)
			if _, ok := p.Groups[s]; !ok {
				fail(fmt.Sprintf("/policy_owners/%d", i), "group %q is not defined under groups", s)
			}
			p.PolicyOwners = append(p.PolicyOwners, s)
		}
	}
	if c, ok := m["cab"].(map[string]any); ok {
		if g, ok := c["group"].(string); ok {
			p.CAB.Group = g
		}
		if n, ok := intField(c, "risk_threshold"); ok {
			p.CAB.RiskThreshold = n
		}
		if b, ok := c["privileged"].(bool); ok {
			p.CAB.Privileged = b
		}
	}
	if _, ok := p.Groups[p.CAB.Group]; !ok {
		fail("/cab", "CAB group %q is not defined under groups", p.CAB.Group)
	}
	if n, ok := intField(m, "max_extension_days"); ok {
		p.MaxExtensionDays = n
	}
	if rs, ok := m["reminder_days"].([]any); ok {
		p.ReminderDays = nil
		for _, r := range rs {
			if n, ok := intValue(r); ok {
				p.ReminderDays = append(p.ReminderDays, n)
			}
		}
		sort.Sort(sort.Reverse(sort.IntSlice(p.ReminderDays)))
	}
	if s, ok := m["plain_string_controls"].(string); ok {
		p.PlainStringControls = s
	}
	if r, ok := m["risk"].(map[string]any); ok {
		readRisk(&p.Risk, r)
	}
	if g, ok := m["gate"].(map[string]any); ok {
		if bs, ok := g["blocking_severities"].([]any); ok {
			p.Gate.BlockingSeverities = nil
			for _, b := range bs {
				if s, ok := b.(string); ok {
					p.Gate.BlockingSeverities = append(p.Gate.BlockingSeverities, s)
				}
			}
		}
		if b, ok := g["require_active_controls"].(bool); ok {
			p.Gate.RequireActiveControls = b
		}
		if b, ok := g["honor_scanner_suppressions"].(bool); ok {
			p.Gate.HonorScannerSuppressions = b
		}
		if b, ok := g["block_unrated"].(bool); ok {
			p.Gate.BlockUnrated = b
		}
		if s, ok := g["controls_max_age"].(string); ok {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				fail("/gate/controls_max_age", "controls_max_age %q: want a positive duration such as 24h", s)
			} else {
				p.Gate.ControlsMaxAge = d
			}
		}
		if n, ok := intField(g, "warning_days"); ok {
			p.Gate.WarningDays = n
		}
	}
	return p, errs
}

func readRisk(w *RiskWeights, r map[string]any) {
	mergeWeights := func(dst map[string]int, key string) {
		if src, ok := r[key].(map[string]any); ok {
			for k, v := range src {
				if n, ok := intValue(v); ok {
					dst[k] = n
				}
			}
		}
	}
	mergeWeights(w.Severity, "severity")
	mergeWeights(w.Exposure, "exposure")
	mergeWeights(w.Environment, "environment")
	for key, dst := range map[string]*int{
		"privileged": &w.Privileged, "cross_boundary": &w.CrossBoundary,
		"duration_per_30_days": &w.DurationPer30Days, "duration_max": &w.DurationMax,
		"control_credit": &w.ControlCredit, "control_credit_max": &w.ControlCreditMax,
	} {
		if n, ok := intField(r, key); ok {
			*dst = n
		}
	}
}

func intField(m map[string]any, k string) (int, bool) { return intValue(m[k]) }

// intValue reads an integer as the schema accepts it: 7 or 7.0.
func intValue(v any) (int, bool) {
	switch v := v.(type) {
	case int64:
		return int(v), true
	case float64:
		return int(v), v == float64(int(v))
	}
	return 0, false
}

// RequiredSeats are the approvals a record of type t needs: the type's
// approvers, plus one CAB seat when the score is above the threshold or the
// record involves privileged tooling. ok is false when the policy does not
// cover t, which callers must treat as "cannot be approved".
func (p *Policy) RequiredSeats(t exception.Type, score int, privileged bool) (seats []Seat, ok bool) {
	rule, ok := p.Rule(t)
	if !ok {
		return nil, false
	}
	seats = append(seats, rule.Approvers...)
	needCAB := score > p.CAB.RiskThreshold || (privileged && p.CAB.Privileged)
	if needCAB {
		has := false
		for _, s := range seats {
			has = has || s.Group == p.CAB.Group
		}
		if !has {
			seats = append(seats, Seat{Group: p.CAB.Group, Count: 1})
		}
	}
	return seats, true
}
