package validate

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/gate"
	"github.com/exctl/exctl/internal/load"
	"github.com/exctl/exctl/internal/policy"
	"github.com/exctl/exctl/internal/risk"
	"github.com/exctl/exctl/internal/yamlvalue"
)

// Checker validates records under one policy at one instant.
type Checker struct {
	Schemas *Schemas
	Policy  *policy.Policy
	Now     time.Time
	// Dir is the records' folder relative to the repository root, used to
	// check that a record sits in the folder of its type.
	Dir string
}

// Result is what checking one file found.
type Result struct {
	Path      string
	Doc       *load.Document       // nil when the file is not YAML
	Exception *exception.Exception // nil when the schema failed
	Findings  []Finding
	// IDLine and IDCol are where exception_id is written (where the record
	// starts when it has none), kept apart from Doc so that a caller
	// holding thousands of results can drop their documents and still have
	// Duplicates point at the id.
	IDLine, IDCol int
}

// Policy parses and checks policy.yaml.
func PolicyFile(s *Schemas, p string, data []byte) (*policy.Policy, []Finding) {
	doc, err := load.Parse(p, data)
	if err != nil {
		return nil, []Finding{loadFinding(p, err)}
	}
	if fs := Check(s.Policy, doc); len(fs) > 0 {
		return nil, fs
	}
	pol, errs := policy.FromValue(doc.Value())
	var fs []Finding
	for _, e := range errs {
		line, col := doc.Pos(e.Pointer)
		fs = append(fs, Finding{File: p, Line: line, Col: col, Level: Error, Rule: "policy", Msg: e.Msg})
	}
	if len(fs) > 0 {
		return nil, fs
	}
	return pol, nil
}

func loadFinding(p string, err error) Finding {
	var le *load.Error
	if errors.As(err, &le) {
		return Finding{File: le.File, Line: le.Line, Col: le.Col, Level: Error, Rule: "yaml", Msg: le.Msg}
	}
	return Finding{File: p, Level: Error, Rule: "read", Msg: err.Error()}
}

// File checks one record: YAML, schema, then the semantic rules.
func (c *Checker) File(p string, data []byte) Result {
	r := Result{Path: p}
	doc, err := load.Parse(p, data)
	if err != nil {
		r.Findings = []Finding{loadFinding(p, err)}
		return r
	}
	r.Doc = doc
	r.IDLine, r.IDCol = doc.Pos("/exception_id")
	if fs := Check(c.Schemas.Exception, doc); len(fs) > 0 {
		r.Findings = fs
		return r
	}
	e, err := exception.FromNode(doc.Root)
	if err != nil {
		r.Findings = []Finding{{File: p, Level: Error, Rule: "schema", Msg: err.Error()}}
		return r
	}
	r.Exception = e
	r.Findings = c.rules(doc, e)
	return r
}

// rules are the semantic checks the schema cannot express.
func (c *Checker) rules(doc *load.Document, e *exception.Exception) []Finding {
	var fs []Finding
	at := func(ptr string, lvl Level, rule, format string, args ...any) {
		line, col := doc.Pos(ptr)
		fs = append(fs, Finding{File: doc.Path, Line: line, Col: col, Level: lvl, Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	keyAt := func(key string, lvl Level, rule, format string, args ...any) {
		line, col := doc.KeyPos("", key)
		fs = append(fs, Finding{File: doc.Path, Line: line, Col: col, Level: lvl, Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	pol := c.Policy
	loc := pol.Location

	base := path.Base(doc.Path)
	if name := strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml"); name != e.ID {
		at("/exception_id", Error, "id-filename", "exception_id %s does not match the file name %s: name the file %s.yaml", e.ID, base, e.ID)
	}
	if want := path.Join(c.Dir, string(e.Type)); path.Dir(doc.Path) != want {
		at("/type", Error, "type-folder", "a %s record belongs in %s/, not %s/", e.Type, want, path.Dir(doc.Path))
	}

	rule, covered := pol.Rule(e.Type)
	if !covered {
		at("/type", Error, "uncovered-type", "the policy names no approvers for type %s, so it can never be approved", e.Type)
	}

	created := exception.DateOf(e.CreatedAt, loc)
	if e.ExpiryDate.Before(created) {
		at("/expiry_date", Error, "date-order", "expiry_date %s is before created_at %s", e.ExpiryDate, created)
	}
	if e.UpdatedAt != nil && e.UpdatedAt.Before(e.CreatedAt) {
		at("/updated_at", Error, "date-order", "updated_at %s is before created_at %s", e.UpdatedAt.Format(time.RFC3339), e.CreatedAt.Format(time.RFC3339))
	}
	if e.CreatedAt.After(c.Now.Add(24 * time.Hour)) {
		at("/created_at", Error, "date-order", "created_at %s is in the future", e.CreatedAt.Format(time.RFC3339))
	}
	if e.ApprovalDate != nil {
		if e.ApprovalDate.Before(created) {
			at("/approval_date", Error, "date-order", "approval_date %s is before created_at %s", e.ApprovalDate, created)
		}
		if e.ApprovalDate.After(e.ExpiryDate) {
			at("/approval_date", Error, "date-order", "approval_date %s is after expiry_date %s", e.ApprovalDate, e.ExpiryDate)
		}
	}
	if e.OriginalExpiryDate == nil {
		if covered && created.DaysUntil(e.ExpiryDate) > rule.MaxExpiryDays {
			at("/expiry_date", Error, "max-expiry", "expiry_date %s is %d days after created_at; %s exceptions may last at most %d days (until %s)",
				e.ExpiryDate, created.DaysUntil(e.ExpiryDate), e.Type, rule.MaxExpiryDays, created.AddDays(rule.MaxExpiryDays))
		}
	} else {
		orig := *e.OriginalExpiryDate
		if orig.Before(created) {
			at("/original_expiry_date", Error, "date-order", "original_expiry_date %s is before created_at %s", orig, created)
		}
		if covered && created.DaysUntil(orig) > rule.MaxExpiryDays {
			at("/original_expiry_date", Error, "max-expiry", "original_expiry_date %s is more than %d days after created_at", orig, rule.MaxExpiryDays)
		}
		if limit := orig.AddDays(pol.MaxExtensionDays); e.ExpiryDate.After(limit) {
			at("/expiry_date", Error, "max-extension", "expiry_date %s is more than %d days after the original expiry %s (latest allowed: %s)", e.ExpiryDate, pol.MaxExtensionDays, orig, limit)
		}
		if !e.ExpiryDate.After(orig) {
			at("/expiry_date", Error, "extension", "an extension must move expiry_date past original_expiry_date %s", orig)
		}
	}

	switch e.Status {
	case exception.Pending:
		for _, k := range []string{"approved_by", "cab_approved_by", "approval_date", "denied_by", "denial_reason"} {
			if doc.Has(k) {
				keyAt(k, Error, "controller-field", "%s is written by exctl after a verified decision; remove it from a pending record", k)
			}
		}
		if !c.Now.Before(e.ValidThrough(loc)) {
			at("/expiry_date", Warning, "request-expired", "the request's expiry date %s has passed: approving it would approve an exception that is already expired; set a new expiry_date", e.ExpiryDate)
		}
	case exception.Approved:
		fs = append(fs, c.approvers(doc, e)...)
		if e.StateAt(c.Now, loc) == exception.StateExpired {
			at("/expiry_date", Warning, "due-for-expiry", "approved record expired at the end of %s; the gate already treats it as expired and the expiry bot will set status: expired", e.ExpiryDate)
		}
	case exception.Denied:
		for i, who := range e.DeniedBy {
			if exception.SameIdentity(who, e.RequestedBy) {
				at(listPointer("/denied_by", doc, i), Error, "self-approval", "%s requested this exception and cannot decide on it", who)
			}
		}
	}

	ids := map[string]int{}
	for i, ctl := range e.Controls {
		ptr := func() string { return "/compensating_controls/" + strconv.Itoa(i) }
		if !ctl.Structured() {
			lvl := Warning
			if pol.PlainStringControls == "error" {
				lvl = Error
			}
			at(ptr(), lvl, "plain-control", "compensating control %q is a plain string: write it as {id, specific, measurable, enforceable} so the gate can check it is active", ctl.Text)
			continue
		}
		if j, dup := ids[ctl.ID]; dup {
			at(ptr()+"/id", Error, "duplicate-control", "control id %q is also used by compensating_controls[%d]", ctl.ID, j)
		}
		ids[ctl.ID] = i
	}
	seenVuln := map[string]int{}
	for i, v := range e.Vulnerabilities {
		key := strings.ToUpper(v.CVE) + "\x00" + v.Component
		if j, dup := seenVuln[key]; dup {
			at(fmt.Sprintf("/vulnerabilities/%d", i), Error, "duplicate-vulnerability", "%s for %s is already listed at vulnerabilities[%d]", v.CVE, v.Component, j)
		}
		seenVuln[key] = i
		// The gate matches nothing with an entry whose package URL does
		// not parse, or whose component names another package or pins
		// another version: say so now, not at the deployment.
		if _, has, why := gate.EntryPackage(v); has && why != "" {
			at(fmt.Sprintf("/vulnerabilities/%d", i), Error, "component", "this entry %s: the gate would match no finding with it", why)
		}
	}
	if e.Boundary != nil && e.Boundary.Source == e.Boundary.Target {
		at("/boundary/target", Error, "boundary", "source and target are both %q: a cross_boundary exception crosses two different boundaries", e.Boundary.Source)
	}
	return fs
}

// approvers checks that an approved record names the approvers its type
// and risk require, none of them the requester, no one in two seats. The
// approvals check verifies against GitHub that these people did approve.
func (c *Checker) approvers(doc *load.Document, e *exception.Exception) []Finding {
	var fs []Finding
	at := func(ptr, rule, format string, args ...any) {
		line, col := doc.Pos(ptr)
		fs = append(fs, Finding{File: doc.Path, Line: line, Col: col, Level: Error, Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	score := risk.Compute(e, c.Policy.Risk)
	seats, ok := c.Policy.RequiredSeats(e.Type, score.Total, e.Risk.Privileged)
	if !ok {
		return nil // reported as uncovered-type
	}
	needSec, needCAB := 0, 0
	for _, s := range seats {
		if s.Group == c.Policy.CAB.Group {
			needCAB += s.Count
		} else {
			needSec += s.Count
		}
	}
	if len(e.ApprovedBy) < needSec {
		at("/approved_by", "approvers", "%s needs %d approver(s) in approved_by, has %d", e.Type, needSec, len(e.ApprovedBy))
	}
	if len(e.CABApprovedBy) < needCAB {
		why := fmt.Sprintf("the policy requires CAB approval for %s", e.Type)
		if !typeHasCAB(c.Policy, e.Type) {
			why = fmt.Sprintf("risk score %d is above the CAB threshold %d", score.Total, c.Policy.CAB.RiskThreshold)
			if e.Risk.Privileged && c.Policy.CAB.Privileged {
				why = "privileged tooling requires CAB approval"
			}
		}
		if doc.Has("cab_approved_by") {
			at("/cab_approved_by", "approvers", "%s: needs %d CAB approver(s), has %d", why, needCAB, len(e.CABApprovedBy))
		} else {
			at("/status", "approvers", "%s: cab_approved_by is missing", why)
		}
	}
	for field, list := range map[string][]string{"/approved_by": e.ApprovedBy, "/cab_approved_by": e.CABApprovedBy} {
		for i, who := range list {
			if exception.SameIdentity(who, e.RequestedBy) {
				at(listPointer(field, doc, i), "self-approval", "%s requested this exception and cannot approve it", who)
			}
		}
	}
	for i, cab := range e.CABApprovedBy {
		for _, sec := range e.ApprovedBy {
			if exception.SameIdentity(cab, sec) {
				at(listPointer("/cab_approved_by", doc, i), "one-seat", "%s is also in approved_by: Security and CAB approvals must come from different people", cab)
			}
		}
	}
	return fs
}

func typeHasCAB(p *policy.Policy, t exception.Type) bool {
	r, _ := p.Rule(t)
	for _, s := range r.Approvers {
		if s.Group == p.CAB.Group {
			return true
		}
	}
	return false
}

// listPointer points at item i of a field that may be a single string.
func listPointer(field string, doc *load.Document, i int) string {
	if n, ok := doc.Locate(field); ok && yamlvalue.Deref(n).Kind == yaml.SequenceNode {
		return fmt.Sprintf("%s/%d", field, i)
	}
	return field
}
