package exception

import (
	"fmt"
	"strconv"
	"time"
)

// FromValue builds an Exception from a record's JSON value. The value is
// expected to have passed the schema; FromValue still checks every type it
// relies on so that a value that did not cannot make it panic.
func FromValue(v any) (*Exception, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("record is %T, want a mapping", v)
	}
	d := decoder{m: m}
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
	if s, ok := m["scope"].(map[string]any); ok {
		sd := decoder{m: s}
		e.Scope = Scope{Applications: sd.strs("applications"), Environments: sd.strs("environments")}
	}
	for _, item := range d.maps("vulnerabilities") {
		vd := decoder{m: item}
		e.Vulnerabilities = append(e.Vulnerabilities, Vulnerability{CVE: vd.str("cve"), Severity: vd.str("severity"), Component: vd.str("component"), PURL: vd.str("purl")})
	}
	for _, item := range d.maps("packages") {
		pd := decoder{m: item}
		e.Packages = append(e.Packages, Package{Name: pd.str("name"), Version: pd.str("version"), SHA256: pd.str("sha256")})
	}
	if b, ok := m["boundary"].(map[string]any); ok {
		bd := decoder{m: b}
		e.Boundary = &Boundary{Source: bd.str("source"), Target: bd.str("target")}
	}
	if b, ok := m["blast_radius"].(map[string]any); ok {
		bd := decoder{m: b}
		e.BlastRadius = &BlastRadius{Summary: bd.str("summary"), AffectedSystems: bd.strs("affected_systems"), RollbackPlan: bd.str("rollback_plan")}
	}
	if g, ok := m["gate"].(map[string]any); ok {
		gd := decoder{m: g}
		e.Gate = &Gate{Name: gd.str("name"), Threshold: gd.scalar("threshold"), Actual: gd.scalar("actual")}
	}
	if cs, ok := m["compensating_controls"].([]any); ok {
		for _, c := range cs {
			switch c := c.(type) {
			case string:
				e.Controls = append(e.Controls, Control{Text: c})
			case map[string]any:
				cd := decoder{m: c}
				e.Controls = append(e.Controls, Control{ID: cd.str("id"), Specific: cd.str("specific"), Measurable: cd.str("measurable"), Enforceable: cd.str("enforceable")})
			}
		}
	}
	if r, ok := m["risk"].(map[string]any); ok {
		e.Risk.Exposure, _ = r["exposure"].(string)
		e.Risk.Privileged, _ = r["privileged"].(bool)
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

type decoder struct{ m map[string]any }

func (d decoder) str(k string) string {
	s, _ := d.m[k].(string)
	return s
}

// strs accepts one string or a list of them (approved_by is a single
// e-mail in the seed's form).
func (d decoder) strs(k string) []string {
	switch v := d.m[k].(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func (d decoder) maps(k string) []map[string]any {
	list, _ := d.m[k].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func (d decoder) scalar(k string) string {
	switch v := d.m[k].(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return ""
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
