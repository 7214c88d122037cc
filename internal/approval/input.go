package approval

import (
	"context"
	"time"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/policy"
)

// Review states as the GitHub API reports them.
const (
	ReviewApproved         = "APPROVED"
	ReviewChangesRequested = "CHANGES_REQUESTED"
	ReviewCommented        = "COMMENTED"
	ReviewDismissed        = "DISMISSED"
	ReviewPending          = "PENDING"
)

// PR is the pull request under review.
type PR struct {
	Number  int
	Author  string // login
	HeadSHA string
	Commits []Commit
}

// Commit is one commit of the pull request. Logins are empty when GitHub
// could not link the commit's e-mail to an account.
type Commit struct {
	SHA            string
	AuthorLogin    string
	AuthorEmail    string
	CommitterLogin string
	CommitterEmail string
}

// Review is one submitted (or pending) pull request review.
type Review struct {
	ID          int64
	User        string // login
	State       string // one of the Review* constants
	Body        string
	CommitID    string // the commit the reviewer saw
	SubmittedAt time.Time
}

// RecordChange is one exception record the pull request adds or changes.
type RecordChange struct {
	Path string
	// Exception is the head version; nil when the pull request deletes the
	// record.
	Exception *exception.Exception
	// HeadContent is the record's bytes at the head.
	HeadContent []byte
	// ContentAt returns the record's bytes at a reviewed commit; ok is false
	// when the file did not exist there. ContentMap builds one from a map.
	ContentAt func(commitSHA string) (data []byte, ok bool, err error)
	// Base is the base version; nil for a new record.
	Base *exception.Exception
}

// FileChange is a changed file whose approval is for its exact bytes:
// exceptions/policy.yaml or CODEOWNERS.
type FileChange struct {
	Path        string
	HeadContent []byte // nil when the pull request deletes the file
	ContentAt   func(commitSHA string) (data []byte, ok bool, err error)
}

// ContentMap serves ContentAt from bytes keyed by commit SHA; a commit
// missing from the map is one where the file did not exist.
func ContentMap(byCommit map[string][]byte) func(string) ([]byte, bool, error) {
	return func(sha string) ([]byte, bool, error) {
		data, ok := byCommit[sha]
		return data, ok, nil
	}
}

// Members answers whether login is an active member of the team org/team.
// An error means "cannot tell", never "yes". Evaluate caches the answers, so
// an implementation may be slow.
type Members interface {
	IsActiveMember(ctx context.Context, org, team, login string) (bool, error)
}

// Input is everything one evaluation decides on.
type Input struct {
	PR      PR
	Reviews []Review
	Records []RecordChange
	// Policy is read from the base revision by the caller: a pull request
	// never chooses its own approvers.
	Policy *policy.Policy
	// PolicyChanged and CodeownersChanged say the pull request changes
	// exceptions/policy.yaml or CODEOWNERS; either needs one approval from
	// each policy-owner group.
	PolicyChanged     bool
	CodeownersChanged bool
	// PolicyFiles are the changed policy and CODEOWNERS files. With them, a
	// policy owner's approval of an earlier commit still counts when those
	// files are byte-for-byte the same at the head; without them, only an
	// approval of the head commit counts.
	PolicyFiles []FileChange
}
