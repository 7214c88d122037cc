// Package exception defines the exception record, its types and statuses,
// the lifecycle transitions the process allows, and civil dates. It does no
// I/O.
package exception

import (
	"strings"
	"time"
)

// Type is the kind of deviation an exception grants.
type Type string

// The four exception types of the process.
const (
	VulnerabilityScan Type = "vulnerability_scan"
	UnsignedPackage   Type = "unsigned_package"
	CrossBoundary     Type = "cross_boundary"
	GateOverride      Type = "gate_override"
)

// Types lists every known type in a stable order.
var Types = []Type{VulnerabilityScan, UnsignedPackage, CrossBoundary, GateOverride}

// Known reports whether t is one of Types.
func (t Type) Known() bool {
	for _, k := range Types {
		if t == k {
			return true
		}
	}
	return false
}

// Status is where a record is in its lifecycle.
type Status string

// The lifecycle states.
const (
	Pending  Status = "pending"
	Approved Status = "approved"
	Denied   Status = "denied"
	Expired  Status = "expired"
)

// Exception is one record under exceptions/<type>/<id>.yaml.
type Exception struct {
	ID                 string
	Type               Type
	Status             Status
	Justification      string
	RequestedBy        string
	Owners             []string
	DeploymentIntentID string
	Scope              Scope
	Vulnerabilities    []Vulnerability
	VEXJustification   string
	Packages           []Package
	Boundary           *Boundary
	BlastRadius        *BlastRadius
	Gate               *Gate
	Controls           []Control
	Risk               RiskInputs
	ExpiryDate         Date
	OriginalExpiryDate *Date
	ApprovedBy         []string
	CABApprovedBy      []string
	ApprovalDate       *Date
	DeniedBy           []string
	DenialReason       string
	CreatedAt          time.Time
	UpdatedAt          *time.Time
}

// Scope narrows where an exception applies; an empty list means any.
type Scope struct {
	Applications []string
	Environments []string
}

// Vulnerability is one accepted finding of a vulnerability_scan exception.
type Vulnerability struct {
	CVE       string
	Severity  string
	Component string
	PURL      string
}

// Package is one artifact an unsigned_package exception allows.
type Package struct {
	Name    string
	Version string
	SHA256  string
}

// Boundary is the pair of boundaries a cross_boundary exception crosses.
type Boundary struct {
	Source string
	Target string
}

// BlastRadius is the analysis a cross_boundary exception carries.
type BlastRadius struct {
	Summary         string
	AffectedSystems []string
	RollbackPlan    string
}

// Gate is the promotion gate a gate_override exception bypasses.
type Gate struct {
	Name      string
	Threshold string
	Actual    string
}

// Control is a compensating control. A plain-string control (the seed's
// form) has only Text set.
type Control struct {
	ID          string
	Specific    string
	Measurable  string
	Enforceable string
	Text        string
}

// Structured reports whether the control is in the specific, measurable,
// enforceable form.
func (c Control) Structured() bool { return c.Text == "" }

// RiskInputs are the record's inputs to the risk model.
type RiskInputs struct {
	Exposure   string
	Privileged bool
}

// State is the effective state of a record at an instant: an approved record
// past its expiry date is expired even before the bot commits that.
type State string

// States beyond the statuses.
const (
	StatePending  State = "pending"
	StateApproved State = "approved"
	StateDenied   State = "denied"
	StateExpired  State = "expired"
)

// ValidThrough is the first instant the record is no longer valid: the
// start of the day after ExpiryDate in loc.
func (e *Exception) ValidThrough(loc *time.Location) time.Time {
	return e.ExpiryDate.AddDays(1).Start(loc)
}

// StateAt returns the effective state at now.
func (e *Exception) StateAt(now time.Time, loc *time.Location) State {
	switch e.Status {
	case Approved:
		if !now.Before(e.ValidThrough(loc)) {
			return StateExpired
		}
		return StateApproved
	case Denied:
		return StateDenied
	case Expired:
		return StateExpired
	default:
		return StatePending
	}
}

// DaysLeft is the number of whole days from now's date to the expiry date
// in loc; negative once expired, 0 on the last valid day.
func (e *Exception) DaysLeft(now time.Time, loc *time.Location) int {
	return DateOf(now, loc).DaysUntil(e.ExpiryDate)
}

// NotifyOwners returns Owners, or the requester when none are listed.
func (e *Exception) NotifyOwners() []string {
	if len(e.Owners) > 0 {
		return e.Owners
	}
	return []string{e.RequestedBy}
}

// ControllerFields are the keys only exctl writes after a verified decision.
var ControllerFields = []string{"status", "approved_by", "cab_approved_by", "approval_date", "denied_by", "denial_reason", "updated_at"}

// IsControllerField reports whether key is one of ControllerFields.
func IsControllerField(key string) bool {
	for _, f := range ControllerFields {
		if f == key {
			return true
		}
	}
	return false
}

// SameIdentity reports whether two identities (e-mails or GitHub logins,
// with or without a leading @) name the same person. Logins and e-mails are
// compared case-insensitively; a login never equals an e-mail here, since
// linking the two needs commit data the caller has.
func SameIdentity(a, b string) bool {
	return NormalizeIdentity(a) == NormalizeIdentity(b) && NormalizeIdentity(a) != ""
}

// NormalizeIdentity lowercases an identity and drops a leading @.
func NormalizeIdentity(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@"))
}
