package githubapi

import "time"

// PR is the part of a pull request exctl decides on.
type PR struct {
	Number int
	Title  string
	Body   string
	State  string // "open" or "closed"
	// Author is the login of the user who opened the pull request.
	Author           string
	HeadSHA          string
	HeadRef          string
	HeadRepoFullName string // "owner/name"; differs from the base repository for forks
	BaseSHA          string
	BaseRef          string
	// DefaultBranch is the base repository's default branch.
	DefaultBranch string
	Draft         bool
	Merged        bool
	HTMLURL       string
	// ChangedFiles and Commits are GitHub's counts, which its lists of a
	// pull request's files and commits may fall short of; 0 when not told.
	ChangedFiles, Commits int
}

// File is one file changed by a pull request.
type File struct {
	Filename string
	// Status is one of added, removed, modified, renamed, copied, changed, unchanged.
	Status           string
	PreviousFilename string // set for renames
	SHA              string // blob SHA at the head
}

// Commit is one commit of a pull request. The logins are empty when GitHub
// cannot link the commit's e-mail address to an account.
type Commit struct {
	SHA            string
	AuthorLogin    string
	AuthorEmail    string
	CommitterLogin string
	CommitterEmail string
}

// Review states as GitHub reports them on the reviews endpoint.
const (
	ReviewApproved         = "APPROVED"
	ReviewChangesRequested = "CHANGES_REQUESTED"
	ReviewCommented        = "COMMENTED"
	ReviewDismissed        = "DISMISSED"
	ReviewPending          = "PENDING"
)

// Review is one pull request review.
type Review struct {
	ID          int64
	User        string // login
	State       string // one of the Review* constants
	Body        string
	CommitID    string // the head commit the review was given on
	SubmittedAt time.Time
}

// Team membership states.
const (
	MembershipActive  = "active"
	MembershipPending = "pending" // invited, not yet accepted: not a member for approvals
)

// Membership is a user's membership of a team.
type Membership struct {
	State string // MembershipActive or MembershipPending
	Role  string // "member" or "maintainer"
}

// Commit status states.
const (
	StatusError   = "error"
	StatusFailure = "failure"
	StatusPending = "pending"
	StatusSuccess = "success"
)

// Status is a commit status.
type Status struct {
	State       string // one of the Status* constants
	Context     string // e.g. "exctl/approvals"
	Description string
	TargetURL   string
}

// Comment is an issue (or pull request conversation) comment.
type Comment struct {
	ID        int64
	User      string
	Body      string
	HTMLURL   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NewPR is a pull request to open.
type NewPR struct {
	Title string
	Body  string
	Head  string // branch name, or "owner:branch" for a fork
	Base  string
	Draft bool
}
