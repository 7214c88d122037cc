package approval

import (
	"time"

	"github.com/exctl/exctl/internal/exception"
)

// State is the answer for a record or for the whole pull request.
type State string

// The answers. Callers map them to exit codes: approved 0, pending and
// denied 1, error 2.
const (
	StateApproved State = "approved" // every required seat is filled by a verified approval
	StatePending  State = "pending"  // not (yet) approved
	StateDenied   State = "denied"   // a member of a required group denied it with /deny
	StateError    State = "error"    // a lookup failed and the answer depends on it
)

// Kind says what a RecordVerdict is about.
type Kind string

// The kinds of subject.
const (
	KindRecord Kind = "record" // an exception record
	KindPolicy Kind = "policy" // a change to policy.yaml or CODEOWNERS
)

// Code is a machine-readable reason.
type Code string

// Why a review did not count, or why a subject cannot be approved.
const (
	// About a review, whatever the record.
	CodeNoUser       Code = "no_user"
	CodeNotSubmitted Code = "not_submitted"
	CodeComment      Code = "comment"
	CodeUnknownState Code = "unknown_state"
	CodeSuperseded   Code = "superseded"
	CodeDismissed    Code = "dismissed"

	// About a review for one record.
	CodePRAuthor          Code = "pr_author"
	CodeRequester         Code = "requester"
	CodeCommitter         Code = "committer"
	CodeContentChanged    Code = "content_changed"
	CodeContentUnreadable Code = "content_unreadable"
	CodeIncomparable      Code = "incomparable"
	CodeNotMember         Code = "not_member"
	CodeLookupFailed      Code = "lookup_failed"
	CodeAlreadySeated     Code = "already_seated"
	CodeSeatFilled        Code = "seat_filled"

	// About a subject.
	CodeNoPolicy           Code = "no_policy"
	CodeDeleted            Code = "deleted"
	CodeNotCovered         Code = "not_covered"
	CodeUnknownGroup       Code = "unknown_group"
	CodeNoTeam             Code = "no_team"
	CodeUnverifiedApprover Code = "unverified_approver"
	CodeInvalidRecord      Code = "invalid_record"
)

// BlockKind says how a review stops approval.
type BlockKind string

// The kinds of block.
const (
	BlockChangesRequested BlockKind = "changes_requested"
	BlockDenied           BlockKind = "denied"
)

// Verdict is the outcome of one evaluation.
type Verdict struct {
	State   State           `json:"state"`
	PR      int             `json:"pull_request"`
	HeadSHA string          `json:"head_sha"`
	Records []RecordVerdict `json:"records"`
	// Policy is set when the pull request changes policy.yaml or CODEOWNERS.
	Policy *RecordVerdict `json:"policy_change,omitempty"`
	// Ignored are the reviews that count for nothing on any record
	// (superseded, dismissed, comments). Reasons tied to one record are
	// under that record.
	Ignored []Ignored `json:"ignored_reviews,omitempty"`
	// Problems are reasons the evaluation could not start.
	Problems []Problem `json:"problems,omitempty"`
	// MembershipLookups is how many times Members was asked; the rest came
	// from the cache.
	MembershipLookups int `json:"membership_lookups"`
}

// RecordVerdict is the outcome for one record, or for the policy change.
type RecordVerdict struct {
	Kind        Kind           `json:"kind"`
	Path        string         `json:"path"`
	ExceptionID string         `json:"exception_id,omitempty"`
	Type        exception.Type `json:"type,omitempty"`
	RequestedBy string         `json:"requested_by,omitempty"`
	RiskScore   int            `json:"risk_score"`
	State       State          `json:"state"`
	Seats       []SeatVerdict  `json:"seats"`
	Blocks      []Block        `json:"blocks,omitempty"`
	Ignored     []Ignored      `json:"ignored_reviews,omitempty"`
	Problems    []Problem      `json:"problems,omitempty"`
}

// SeatVerdict is one required group's seats and who filled them.
type SeatVerdict struct {
	Group string `json:"group"`
	Name  string `json:"name"`
	// Team is org/slug, empty when the policy names none.
	Team     string     `json:"team"`
	CAB      bool       `json:"cab"` // recorded in cab_approved_by rather than approved_by
	Count    int        `json:"count"`
	FilledBy []Approver `json:"filled_by"`
	Missing  int        `json:"missing"`
	// Undecided is set when a seat is missing and a membership lookup for
	// the group failed.
	Undecided bool `json:"undecided,omitempty"`
}

// Approver is a review that fills a seat.
type Approver struct {
	Login       string    `json:"login"`
	ReviewID    int64     `json:"review_id"`
	CommitID    string    `json:"commit_id"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// Ignored is a review that did not count, and why. Group is set when the
// reason concerns one group's seat only.
type Ignored struct {
	ReviewID int64  `json:"review_id"`
	User     string `json:"user"`
	State    string `json:"state"`
	CommitID string `json:"commit_id,omitempty"`
	Group    string `json:"group,omitempty"`
	Code     Code   `json:"code"`
	Text     string `json:"text"`
}

// Block is a review by a member of a required group that stops approval.
type Block struct {
	ReviewID int64     `json:"review_id"`
	User     string    `json:"user"`
	Group    string    `json:"group"`
	Kind     BlockKind `json:"kind"`
	// Reason is the text after /deny.
	Reason string `json:"reason,omitempty"`
	Text   string `json:"text"`
}

// Problem is a reason a subject cannot be approved whatever the reviews say.
type Problem struct {
	Code Code   `json:"code"`
	Text string `json:"text"`
}

// Approvers returns the logins that fill the record's seats, split as the
// record stores them: approved_by for every group but the CAB, and
// cab_approved_by for the CAB.
func (r RecordVerdict) Approvers() (approvedBy, cabApprovedBy []string) {
	for _, s := range r.Seats {
		for _, a := range s.FilledBy {
			if s.CAB {
				cabApprovedBy = append(cabApprovedBy, a.Login)
			} else {
				approvedBy = append(approvedBy, a.Login)
			}
		}
	}
	return approvedBy, cabApprovedBy
}

// Denials returns the blocks that deny the record.
func (r RecordVerdict) Denials() []Block {
	var out []Block
	for _, b := range r.Blocks {
		if b.Kind == BlockDenied {
			out = append(out, b)
		}
	}
	return out
}
