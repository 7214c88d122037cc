package exception

import (
	"fmt"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/yamlvalue"
)

// FromNode builds an Exception from a record's top mapping node, as the
// loader parsed it. The record is expected to have passed the schema;
// FromNode still checks every type it relies on, so that one that did not
// cannot make it panic.
func FromNode(n *yaml.Node) (*Exception, error) {
	n = yamlvalue.Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("record is not a mapping")
	}
	d := decoder{m: n}
	e := &Exception{
		ID:                 d.str("exception_id"),
		Type:               Type(d.str("type")),
		Status:             Status(d.str("status")),
		Justification:      d.str("justification"),
		RequestedBy:        d.str("requested_by"),
		Owners:             d.strs("owners"),
		DeploymentIntentID: d.str("deployment_intent_id"),
		VEXJustification:   d.str("vex_justification"),
		ApprovedBy:         d.strs("approved_by"),
		CABApprovedBy:      d.strs("cab_approved_by"),
		DeniedBy:           d.strs("denied_by"),
		DenialReason:       d.str("denial_reason"),
	}
	if s, ok := d.mapping("scope"); ok {
		e.Scope = Scope{Applications: s.strs("applications"), Environments: s.strs("environments")}
	}
	for _, v := range d.maps("vulnerabilities") {
		e.Vulnerabilities = append(e.Vulnerabilities, Vulnerability{CVE: v.str("cve"), Severity: v.str("severity"), Component: v.str("component"), PURL: v.str("purl")})
	}
	for _, p := range d.maps("packages") {
		e.Packages = append(e.Packages, Package{Name: p.str("name"), Version: p.str("version"), SHA256: p.str("sha256")})
	}
	if b, ok := d.mapping("boundary"); ok {
		e.Boundary = &Boundary{Source: b.str("source"), Target: b.str("target")}
	}
	if b, ok := d.mapping("blast_radius"); ok {
		e.BlastRadius = &BlastRadius{Summary: b.str("summary"), AffectedSystems: b.strs("affected_systems"), RollbackPlan: b.str("rollback_plan")}
	}
	if g, ok := d.mapping("gate"); ok {
		e.Gate = &Gate{Name: g.str("name"), Threshold: g.scalar("threshold"), Actual: g.scalar("actual")}
	}
	if cs := d.get("compensating_controls"); cs != nil && cs.Kind == yaml.SequenceNode {
		for _, c := range cs.Content {
			c = yamlvalue.Deref(c)
			if s, ok := str(c); ok {
				e.Controls = append(e.Controls, Control{Text: s})
			} else if c.Kind == yaml.MappingNode {
				cd := decoder{m: c}
				e.Controls = append(e.Controls, Control{ID: cd.str("id"), Specific: cd.str("specific"), Measurable: cd.str("measurable"), Enforceable: cd.str("enforceable")})
			}
		}
	}
	if r, ok := d.mapping("risk"); ok {
		e.Risk.Exposure = r.str("exposure")
		e.Risk.Privileged = r.bool("privileged")
	}
	var err error
	if e.ExpiryDate, err = d.date("expiry_date"); err != nil {
		return nil, err
	}
	if e.OriginalExpiryDate, err = d.optDate("original_expiry_date"); err != nil {
		return nil, err
	}
	if e.ApprovalDate, err = d.optDate("approval_date"); err != nil {
		return nil, err
	}
	if s := d.str("created_at"); s != "" {
		if e.CreatedAt, err = time.Parse(time.RFC3339, s); err != nil {
			return nil, fmt.Errorf("created_at %q: want an RFC 3339 time", s)
		}
	}
	if s := d.str("updated_at"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, fmt.Errorf("updated_at %q: want an RFC 3339 time", s)
		}
		e.UpdatedAt = &t
	}
	return e, nil
}

// str returns a scalar's text when its JSON value is a string.
func str(n *yaml.Node) (string, bool) {
	if n == nil || n.Kind != yaml.ScalarNode || !yamlvalue.IsString(n) {
		return "", false
	}
	return n.Value, true
}

type decoder struct{ m *yaml.Node }

// get returns the value of key k, aliases followed, or nil.
func (d decoder) get(k string) *yaml.Node {
	for i := 0; i+1 < len(d.m.Content); i += 2 {
		if d.m.Content[i].Value == k {
			return yamlvalue.Deref(d.m.Content[i+1])
		}
	}
	return nil
}

func (d decoder) str(k string) string {
	s, _ := str(d.get(k))
	return s
}

// strs accepts one string or a list of them (approved_by is a single
// e-mail in the seed's form).
func (d decoder) strs(k string) []string {
	n := d.get(k)
	if s, ok := str(n); ok {
		return []string{s}
	}
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, x := range n.Content {
		if s, ok := str(yamlvalue.Deref(x)); ok {
			out = append(out, s)
		}
	}
	return out
}

func (d decoder) mapping(k string) (decoder, bool) {
	n := d.get(k)
	if n == nil || n.Kind != yaml.MappingNode {
		return decoder{}, false
	}
	return decoder{m: n}, true
}

func (d decoder) maps(k string) []decoder {
	n := d.get(k)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]decoder, 0, len(n.Content))
	for _, x := range n.Content {
		if x = yamlvalue.Deref(x); x != nil && x.Kind == yaml.MappingNode {
			out = append(out, decoder{m: x})
		}
	}
	return out
}

func (d decoder) bool(k string) bool {
	n := d.get(k)
	if n == nil || n.Kind != yaml.ScalarNode {
		return false
	}
	b, _ := scalarOf(n).(bool)
	return b
}

// scalar gives a string, or a number written as the JSON value of it
// prints.
func (d decoder) scalar(k string) string {
	n := d.get(k)
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	switch v := scalarOf(n).(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return ""
}

// scalarOf is n's JSON value, nil when it has none.
func scalarOf(n *yaml.Node) any {
	v, err := yamlvalue.Scalar(n)
	if err != nil {
		return nil
	}
	return v
}

func (d decoder) date(k string) (Date, error) {
	s := d.str(k)
	if s == "" {
		return Date{}, nil
	}
	date, err := ParseDate(s)
	if err != nil {
		return Date{}, fmt.Errorf("%s: %w", k, err)
	}
	return date, nil
}

func (d decoder) optDate(k string) (*Date, error) {
	if d.str(k) == "" {
		return nil, nil
	}
	date, err := d.date(k)
	return &date, err
}
