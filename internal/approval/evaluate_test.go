package approval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/policy"
)

func TestEvaluate(t *testing.T) {
	errAPI := errors.New("GET /orgs/acme/teams/security-reviewers/memberships/bob: 500 Internal Server Error")
	tests := []struct {
		name string
		// setup changes the default input: alice's PR adding one low-risk
		// vulnerability_scan record, no reviews.
		setup   func(t *testing.T, in *Input, m *fakeMembers)
		want    State
		records []State
		check   func(t *testing.T, v Verdict)
	}{
		{
			name: "no reviews",
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, map[string][]string{"security": {}}, filled(v.Records[0]))
				assert.Equal(t, 1, v.Records[0].Seats[0].Missing)
				assert.Equal(t, securityTeam, v.Records[0].Seats[0].Team)
				assert.Zero(t, v.MembershipLookups)
			},
		},
		{
			name: "security member approves the head",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "bob", headSHA)}
			},
			want: StateApproved,
			check: func(t *testing.T, v Verdict) {
				rv := v.Records[0]
				assert.Equal(t, map[string][]string{"security": {"bob"}}, filled(rv))
				assert.Equal(t, vulnID, rv.ExceptionID)
				assert.Equal(t, exception.VulnerabilityScan, rv.Type)
				assert.Equal(t, 24, rv.RiskScore)
				by, cab := rv.Approvers()
				assert.Equal(t, []string{"bob"}, by)
				assert.Empty(t, cab)
			},
		},
		{
			name: "author approves own PR",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "alice", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"alice:pr_author"}, ignoredCodes(v.Records[0].Ignored))
				assert.Equal(t, "author of the PR", ignoredText(v.Records[0].Ignored, "alice", CodePRAuthor))
				assert.Zero(t, v.MembershipLookups, "an ineligible reviewer costs no lookup")
			},
		},
		{
			name: "requester approves by login",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.PR.Author = "dave"
				in.PR.Commits = []Commit{{SHA: headSHA, AuthorLogin: "dave", AuthorEmail: "dave@example.com"}}
				data := vulnRecord(vulnID, "'@Carol'", "The vendor has not released a fix yet.", "")
				in.Records = []RecordChange{change(t, "r.yaml", data, nil)}
				in.Reviews = []Review{approve(1, "carol", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"carol:requester"}, ignoredCodes(v.Records[0].Ignored))
				assert.Equal(t, "requested this exception", ignoredText(v.Records[0].Ignored, "carol", CodeRequester))
			},
		},
		{
			name: "requester approves by e-mail on their commit",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				// dave opened the PR; carol, whose e-mail is the record's
				// requested_by, pushed a commit to it.
				in.PR.Author = "dave"
				in.PR.Commits = []Commit{
					{SHA: firstSHA, AuthorLogin: "dave", AuthorEmail: "dave@example.com"},
					{SHA: headSHA, AuthorLogin: "carol", AuthorEmail: "Carol@Example.com"},
				}
				data := vulnRecord(vulnID, "carol@example.com", "The vendor has not released a fix yet.", "")
				in.Records = []RecordChange{change(t, "r.yaml", data, nil)}
				in.Reviews = []Review{approve(1, "carol", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"carol:requester"}, ignoredCodes(v.Records[0].Ignored))
				assert.Contains(t, ignoredText(v.Records[0].Ignored, "carol", CodeRequester), "carol@example.com")
			},
		},
		{
			name: "committer approves",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.PR.Commits = append(in.PR.Commits, Commit{SHA: fixSHA, AuthorLogin: "alice", CommitterLogin: "frank", CommitterEmail: "frank@example.com"})
				in.Reviews = []Review{approve(1, "frank", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"frank:committer"}, ignoredCodes(v.Records[0].Ignored))
				assert.Equal(t, "committer on the PR (commit 3333333)", ignoredText(v.Records[0].Ignored, "frank", CodeCommitter))
			},
		},
		{
			name: "non-member approves",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "mallory", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"mallory:not_member@security"}, ignoredCodes(v.Records[0].Ignored))
				assert.Equal(t, "not an active member of acme/security-reviewers", ignoredText(v.Records[0].Ignored, "mallory", CodeNotMember))
			},
		},
		{
			name: "member who has since left the team",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				// GitHub answers 404 (or state "pending") once sam has
				// left; the adapter reports that as "not active".
				m.teams[securityTeam] = []string{"bob"}
				in.Reviews = []Review{approve(1, "sam", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"sam:not_member@security"}, ignoredCodes(v.Records[0].Ignored))
			},
		},
		{
			name: "approval before a push that changed the record",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				head := vulnRecord(vulnID, "alice@example.com", "The vendor has not released a fix yet.", "")
				old := vulnRecord(vulnID, "alice@example.com", "A fix is coming.", "")
				in.Records = []RecordChange{change(t, "r.yaml", head, map[string][]byte{firstSHA: old})}
				in.Reviews = []Review{approve(1, "bob", firstSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"bob:content_changed"}, ignoredCodes(v.Records[0].Ignored))
				assert.Equal(t, "approved an earlier version of the record (commit 1111111) and the record changed since",
					ignoredText(v.Records[0].Ignored, "bob", CodeContentChanged))
				assert.Zero(t, v.MembershipLookups)
			},
		},
		{
			name: "approval before a push that only touched another file",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "bob", firstSHA)}
			},
			want: StateApproved,
		},
		{
			name: "approval before the record existed",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "bob", "0000000fffffffffffffffffffffffffffffffff")}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Contains(t, ignoredText(v.Records[0].Ignored, "bob", CodeContentChanged), "did not exist yet")
			},
		},
		{
			name: "approval still counts after exctl records it",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				reviewed := vulnRecord(vulnID, "alice@example.com", "The vendor has not released a fix yet.", "")
				head := []byte(stringsReplace(string(reviewed), "status: pending", "status: approved") +
					"approved_by: [\"@bob\"]\napproval_date: \"2026-03-02\"\nupdated_at: \"2026-03-02T10:00:00Z\"\n")
				in.Records = []RecordChange{change(t, "r.yaml", head, map[string][]byte{firstSHA: reviewed})}
				in.Reviews = []Review{approve(1, "bob", firstSHA)}
			},
			want: StateApproved,
		},
		{
			name: "review without a commit",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "bob", "")}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"bob:content_changed"}, ignoredCodes(v.Records[0].Ignored))
			},
		},
		{
			name: "earlier version unreadable",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Records[0].ContentAt = func(string) ([]byte, bool, error) { return nil, false, errors.New("object not found") }
				in.Reviews = []Review{approve(1, "bob", firstSHA)}
			},
			want: StateError,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"bob:content_unreadable"}, ignoredCodes(v.Records[0].Ignored))
				assert.True(t, v.Records[0].Seats[0].Undecided)
			},
		},
		{
			name: "approval then dismissal",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "bob", headSHA), reviewOf(2, "bob", ReviewDismissed, "")}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"bob:superseded", "bob:dismissed"}, ignoredCodes(v.Ignored))
				assert.Equal(t, "superseded by a later review (2)", v.Ignored[0].Text)
			},
		},
		{
			name: "dismissed approval",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				// GitHub turns the dismissed review itself into DISMISSED.
				r := approve(1, "bob", headSHA)
				r.State = ReviewDismissed
				in.Reviews = []Review{r}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"bob:dismissed"}, ignoredCodes(v.Ignored))
			},
		},
		{
			name: "dismissal does not revive an earlier approval",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				second := approve(2, "bob", headSHA)
				second.State = ReviewDismissed
				in.Reviews = []Review{approve(1, "bob", headSHA), second, reviewOf(3, "bob", ReviewCommented, "sorry")}
			},
			want: StatePending,
		},
		{
			name: "approval then changes requested by the same person",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "bob", headSHA), reviewOf(2, "bob", ReviewChangesRequested, "scope it to staging")}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				require.Len(t, v.Records[0].Blocks, 1)
				assert.Equal(t, Block{ReviewID: 2, User: "bob", Group: "security", Kind: BlockChangesRequested, Text: "requested changes"}, v.Records[0].Blocks[0])
				assert.Empty(t, filled(v.Records[0])["security"])
			},
		},
		{
			name: "changes requested then approval",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{reviewOf(1, "bob", ReviewChangesRequested, "no"), approve(2, "bob", headSHA)}
			},
			want: StateApproved,
		},
		{
			name: "commented after approved keeps the approval",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "bob", headSHA), reviewOf(2, "bob", ReviewCommented, "LGTM, one nit")}
			},
			want: StateApproved,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"bob:comment"}, ignoredCodes(v.Ignored))
			},
		},
		{
			name: "latest review is taken by time, not by list order",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{reviewOf(2, "bob", ReviewChangesRequested, "no"), approve(1, "bob", headSHA)}
			},
			want: StatePending,
		},
		{
			name: "pending review is not submitted",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				r := approve(1, "bob", headSHA)
				r.State = ReviewPending
				in.Reviews = []Review{r}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"bob:not_submitted"}, ignoredCodes(v.Ignored))
			},
		},
		{
			name: "logins compare case-insensitively",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "Alice", headSHA), approve(2, "BOB", headSHA)}
				m.teams[securityTeam] = []string{"bob"} // the adapter asks GitHub, which ignores case
				m.teams[securityTeam] = append(m.teams[securityTeam], "BOB")
			},
			want: StateApproved,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"Alice:pr_author"}, ignoredCodes(v.Records[0].Ignored))
			},
		},
		{
			name: "/deny is a denial",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "sam", headSHA), reviewOf(2, "bob", ReviewCommented, "  /deny the fix ships next week\n")}
			},
			want: StateDenied,
			check: func(t *testing.T, v Verdict) {
				d := v.Records[0].Denials()
				require.Len(t, d, 1)
				assert.Equal(t, "bob", d[0].User)
				assert.Equal(t, "the fix ships next week", d[0].Reason)
				assert.Equal(t, "denied: the fix ships next week", d[0].Text)
			},
		},
		{
			name: "/deny replaces the reviewer's approval",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "bob", headSHA), reviewOf(2, "bob", ReviewChangesRequested, "/deny")}
			},
			want: StateDenied,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, "denied (no reason given)", v.Records[0].Denials()[0].Text)
				assert.Empty(t, filled(v.Records[0])["security"])
			},
		},
		{
			name: "/denylist is not a denial",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{reviewOf(1, "bob", ReviewCommented, "/denylist looks fine"), approve(2, "sam", headSHA)}
			},
			want: StateApproved,
		},
		{
			name: "/deny from a non-member is not a denial",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{reviewOf(1, "mallory", ReviewCommented, "/deny nope"), approve(2, "bob", headSHA)}
			},
			want: StateApproved,
			check: func(t *testing.T, v Verdict) {
				assert.Contains(t, ignoredText(v.Records[0].Ignored, "mallory", CodeNotMember), "does not block")
			},
		},
		{
			name: "/deny by the requester does not count",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.PR.Author = "dave"
				in.Reviews = []Review{reviewOf(1, "alice", ReviewCommented, "/deny withdrawn"), approve(2, "bob", headSHA)}
			},
			want: StateApproved,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"alice:requester"}, ignoredCodes(v.Records[0].Ignored))
			},
		},
		{
			name: "/deny of an earlier version blocks without denying",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				head := vulnRecord(vulnID, "alice@example.com", "The vendor has not released a fix yet.", "")
				old := vulnRecord(vulnID, "alice@example.com", "A fix is coming.", "")
				in.Records = []RecordChange{change(t, "r.yaml", head, map[string][]byte{firstSHA: old})}
				deny := reviewOf(1, "bob", ReviewCommented, "/deny too vague")
				deny.CommitID = firstSHA
				in.Reviews = []Review{deny, approve(2, "sam", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				require.Len(t, v.Records[0].Blocks, 1)
				assert.Equal(t, BlockChangesRequested, v.Records[0].Blocks[0].Kind)
				assert.Contains(t, v.Records[0].Blocks[0].Text, "denied, but approved an earlier version")
			},
		},
		{
			name: "changes requested blocks",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Records = []RecordChange{crossChange(t)}
				in.Reviews = []Review{approve(1, "bob", headSHA), approve(2, "erin", headSHA), reviewOf(3, "pat", ReviewChangesRequested, "rollback plan?")}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, map[string][]string{"security": {"bob"}, "cab": {"erin"}}, filled(v.Records[0]), "seats are filled, the block still holds")
				require.Len(t, v.Records[0].Blocks, 1)
				assert.Equal(t, "pat", v.Records[0].Blocks[0].User)
			},
		},
		{
			name: "changes requested by a non-member does not block",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{reviewOf(1, "mallory", ReviewChangesRequested, "hmm"), approve(2, "bob", headSHA)}
			},
			want: StateApproved,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, "requested changes, but is not an active member of acme/security-reviewers, so it does not block",
					ignoredText(v.Records[0].Ignored, "mallory", CodeNotMember))
			},
		},
		{
			name: "changes requested by a CAB member on a Security-only record does not block",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{reviewOf(1, "erin", ReviewChangesRequested, "hmm"), approve(2, "bob", headSHA)}
			},
			want: StateApproved,
		},
		{
			name: "one person in both Security and CAB",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Records = []RecordChange{crossChange(t)}
				in.Reviews = []Review{approve(1, "pat", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				rv := v.Records[0]
				assert.Equal(t, map[string][]string{"security": {"pat"}, "cab": {}}, filled(rv))
				assert.Equal(t, []string{"pat:already_seated@cab"}, ignoredCodes(rv.Ignored))
				assert.Equal(t, "already fills the Security Reviewers seat", ignoredText(rv.Ignored, "pat", CodeAlreadySeated))
				assert.False(t, rv.Seats[1].Undecided)
			},
		},
		{
			name: "person in both groups moves to the CAB seat for a Security-only approver",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				// pat approved first and would take the Security seat; a
				// greedy assignment would then leave the CAB seat empty.
				in.Records = []RecordChange{crossChange(t)}
				in.Reviews = []Review{approve(1, "pat", headSHA), approve(2, "bob", headSHA)}
			},
			want: StateApproved,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, map[string][]string{"security": {"bob"}, "cab": {"pat"}}, filled(v.Records[0]))
				by, cab := v.Records[0].Approvers()
				assert.Equal(t, []string{"bob"}, by)
				assert.Equal(t, []string{"pat"}, cab)
			},
		},
		{
			name: "extra approvers are explained",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "bob", headSHA), approve(2, "sam", headSHA)}
			},
			want: StateApproved,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"sam:seat_filled@security"}, ignoredCodes(v.Records[0].Ignored))
				assert.Equal(t, "the Security Reviewers seat is already filled by bob", ignoredText(v.Records[0].Ignored, "sam", CodeSeatFilled))
				assert.Equal(t, 1, v.MembershipLookups, "sam is not looked up once the seat is filled")
			},
		},
		{
			name: "two security seats",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Policy.Types[exception.VulnerabilityScan] = policyRule(in, exception.VulnerabilityScan, "security", 2)
				in.Reviews = []Review{approve(1, "bob", headSHA), approve(2, "bob", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, 1, v.Records[0].Seats[0].Missing, "bob's two reviews fill one seat")
			},
		},
		{
			name: "two records in one PR needing different groups",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Records = []RecordChange{vulnChange(t), crossChange(t)}
				in.Reviews = []Review{approve(1, "bob", headSHA)}
			},
			want:    StatePending,
			records: []State{StateApproved, StatePending},
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, map[string][]string{"security": {"bob"}}, filled(v.Records[0]))
				assert.Equal(t, map[string][]string{"security": {"bob"}, "cab": {}}, filled(v.Records[1]))
			},
		},
		{
			name: "two records in one PR, both approved",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Records = []RecordChange{vulnChange(t), crossChange(t)}
				in.Reviews = []Review{approve(1, "bob", headSHA), approve(2, "erin", headSHA)}
			},
			want:    StateApproved,
			records: []State{StateApproved, StateApproved},
		},
		{
			name: "high risk adds the CAB",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				data := vulnRecord(vulnID, "alice@example.com", "x", "")
				data = []byte(stringsReplace(string(data), "privileged: false", "privileged: true"))
				in.Records = []RecordChange{change(t, "r.yaml", data, nil)}
				in.Reviews = []Review{approve(1, "bob", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, map[string][]string{"security": {"bob"}, "cab": {}}, filled(v.Records[0]))
			},
		},
		{
			name: "lowering the risk does not drop the CAB",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				base := vulnRecord(vulnID, "alice@example.com", "x", "")
				base = []byte(stringsReplace(string(base), "privileged: false", "privileged: true"))
				rc := vulnChange(t)
				rc.Base = parseRecord(t, base)
				in.Records = []RecordChange{rc}
				in.Reviews = []Review{approve(1, "bob", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, map[string][]string{"security": {"bob"}, "cab": {}}, filled(v.Records[0]))
			},
		},
		{
			name: "policy changed in the same PR",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.PolicyChanged = true
				in.Reviews = []Review{approve(1, "bob", headSHA)}
			},
			want:    StatePending,
			records: []State{StateApproved},
			check: func(t *testing.T, v Verdict) {
				require.NotNil(t, v.Policy)
				assert.Equal(t, KindPolicy, v.Policy.Kind)
				assert.Equal(t, "exceptions/policy.yaml", v.Policy.Path)
				assert.Equal(t, StatePending, v.Policy.State)
				assert.Equal(t, map[string][]string{"security": {"bob"}, "platform": {}}, filled(*v.Policy))
			},
		},
		{
			name: "CODEOWNERS changed in the same PR, approved by the policy owners",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.CodeownersChanged = true
				in.Reviews = []Review{approve(1, "bob", headSHA), approve(2, "plato", headSHA)}
			},
			want: StateApproved,
			check: func(t *testing.T, v Verdict) {
				require.NotNil(t, v.Policy)
				assert.Equal(t, "CODEOWNERS", v.Policy.Path)
				assert.Equal(t, map[string][]string{"security": {"bob"}, "platform": {"plato"}}, filled(*v.Policy))
			},
		},
		{
			name: "policy owner approved an earlier commit with the same policy",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				pol := []byte("version: 1\n")
				in.PolicyChanged = true
				in.PolicyFiles = []FileChange{{Path: "exceptions/policy.yaml", HeadContent: pol, ContentAt: ContentMap(map[string][]byte{firstSHA: pol})}}
				in.Reviews = []Review{approve(1, "bob", firstSHA), approve(2, "plato", firstSHA)}
			},
			want: StateApproved,
		},
		{
			name: "policy owner approved an earlier policy",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.PolicyChanged = true
				in.PolicyFiles = []FileChange{{Path: "exceptions/policy.yaml", HeadContent: []byte("version: 1\n"),
					ContentAt: ContentMap(map[string][]byte{firstSHA: []byte("version: 1 # draft\n")})}}
				in.Reviews = []Review{approve(1, "bob", headSHA), approve(2, "plato", firstSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"plato:content_changed"}, ignoredCodes(v.Policy.Ignored))
			},
		},
		{
			name: "policy approval of an earlier commit without the files to compare",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.PolicyChanged = true
				in.Reviews = []Review{approve(1, "bob", headSHA), approve(2, "plato", firstSHA)}
			},
			want: StatePending,
		},
		{
			name: "policy change by a policy owner who committed it",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.PolicyChanged = true
				in.Records = nil
				in.PR.Author = "plato"
				in.Reviews = []Review{approve(1, "bob", headSHA), approve(2, "plato", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{"plato:pr_author"}, ignoredCodes(v.Policy.Ignored))
			},
		},
		{
			name: "hand-typed approved_by",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				data := vulnRecord(vulnID, "alice@example.com", "x", "approved_by: [\"@bob\", \"@mallory\"]\n")
				in.Records = []RecordChange{change(t, "r.yaml", data, nil)}
				in.Reviews = []Review{approve(1, "bob", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				rv := v.Records[0]
				assert.Equal(t, map[string][]string{"security": {"bob"}}, filled(rv), "the seat is filled; the claim is still false")
				assert.Equal(t, []Code{CodeUnverifiedApprover}, problemCodes(rv.Problems))
				assert.Equal(t, "approved_by lists @mallory who has no counting approval", rv.Problems[0].Text)
			},
		},
		{
			name: "hand-typed approved_by naming a member who approved an earlier version",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				old := vulnRecord(vulnID, "alice@example.com", "old", "")
				data := vulnRecord(vulnID, "alice@example.com", "new", "approved_by: \"@bob\"\n")
				in.Records = []RecordChange{change(t, "r.yaml", data, map[string][]byte{firstSHA: old})}
				in.Reviews = []Review{approve(1, "bob", firstSHA), approve(2, "sam", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []Code{CodeUnverifiedApprover}, problemCodes(v.Records[0].Problems))
			},
		},
		{
			name: "hand-typed cab_approved_by naming a Security-only member",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				data := crossRecord(crossID, "alice@example.com", "approved_by: [\"@bob\"]\ncab_approved_by: [\"@sam\"]\n")
				in.Records = []RecordChange{change(t, "r.yaml", data, nil)}
				in.Reviews = []Review{approve(1, "bob", headSHA), approve(2, "sam", headSHA), approve(3, "erin", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []Code{CodeUnverifiedApprover}, problemCodes(v.Records[0].Problems))
				assert.Equal(t, "cab_approved_by lists @sam who has no counting approval", v.Records[0].Problems[0].Text)
			},
		},
		{
			name: "same person in approved_by and cab_approved_by",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				data := crossRecord(crossID, "alice@example.com", "approved_by: [pat]\ncab_approved_by: [pat]\n")
				in.Records = []RecordChange{change(t, "r.yaml", data, nil)}
				in.Reviews = []Review{approve(1, "pat", headSHA), approve(2, "bob", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Contains(t, v.Records[0].Problems[0].Text, "one person fills one seat")
			},
		},
		{
			name: "approvers carried from the base are not claims",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				// An approved record going to expired keeps its approvers.
				approved := vulnRecord(vulnID, "alice@example.com", "x", "approved_by: \"old-sec@example.com\"\n")
				rc := change(t, "r.yaml", []byte(stringsReplace(string(approved), "status: pending", "status: expired")), nil)
				rc.Base = parseRecord(t, []byte(stringsReplace(string(approved), "status: pending", "status: approved")))
				in.Records = []RecordChange{rc}
				in.Reviews = []Review{approve(1, "bob", headSHA)}
			},
			want: StateApproved,
		},
		{
			name: "team lookup error",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				m.fail[securityTeam] = errAPI
				in.Reviews = []Review{approve(1, "bob", headSHA)}
			},
			want: StateError,
			check: func(t *testing.T, v Verdict) {
				rv := v.Records[0]
				assert.Equal(t, []string{"bob:lookup_failed@security"}, ignoredCodes(rv.Ignored))
				assert.Equal(t, "membership lookup failed: "+errAPI.Error(), ignoredText(rv.Ignored, "bob", CodeLookupFailed))
				assert.True(t, rv.Seats[0].Undecided)
				assert.Equal(t, 1, v.MembershipLookups, "a failure is cached too")
			},
		},
		{
			name: "lookup error that cannot change the answer",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				m.fail[securityTeam+"/mallory"] = errAPI
				in.Reviews = []Review{approve(1, "mallory", headSHA), approve(2, "bob", headSHA)}
			},
			want: StateApproved,
		},
		{
			name: "lookup error with a definite no elsewhere",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				m.fail[cabTeam] = errAPI
				in.Records = []RecordChange{vulnChange(t), crossChange(t)}
				in.Reviews = []Review{approve(1, "erin", headSHA)}
			},
			want:    StatePending,
			records: []State{StatePending, StatePending},
		},
		{
			name: "lookup error on the other seat of a person in both groups",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				// pat, in both groups, takes the Security seat; sam's
				// Security lookup fails. Had it said yes, sam would take
				// Security and pat the CAB: the answer is undecided, not no.
				m.fail[securityTeam+"/sam"] = errAPI
				in.Records = []RecordChange{crossChange(t)}
				in.Reviews = []Review{approve(1, "pat", headSHA), approve(2, "sam", headSHA)}
			},
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, map[string][]string{"security": {"pat"}, "cab": {}}, filled(v.Records[0]))
				assert.True(t, v.Records[0].Seats[1].Undecided)
			},
			want: StateError,
		},
		{
			name: "lookup error on a request for changes",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				m.fail[securityTeam+"/sam"] = errAPI
				in.Reviews = []Review{approve(1, "bob", headSHA), reviewOf(2, "sam", ReviewChangesRequested, "wait")}
			},
			want: StateError,
		},
		{
			name: "canceled context",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "bob", headSHA)}
			},
			want: StateError,
		},
		{
			name: "record type the policy does not cover",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				delete(in.Policy.Types, exception.VulnerabilityScan)
				in.Reviews = []Review{approve(1, "bob", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []Code{CodeNotCovered}, problemCodes(v.Records[0].Problems))
				assert.Zero(t, v.MembershipLookups)
			},
		},
		{
			name: "group with no team",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				g := in.Policy.Groups["cab"]
				g.Team = ""
				in.Policy.Groups["cab"] = g
				in.Records = []RecordChange{crossChange(t)}
				in.Reviews = []Review{approve(1, "bob", headSHA), approve(2, "erin", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []Code{CodeNoTeam}, problemCodes(v.Records[0].Problems))
				assert.Equal(t, "", v.Records[0].Seats[1].Team)
			},
		},
		{
			name: "group the policy does not define",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				delete(in.Policy.Groups, "cab")
				in.Records = []RecordChange{crossChange(t)}
				in.Reviews = []Review{approve(1, "bob", headSHA), approve(2, "erin", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []Code{CodeUnknownGroup}, problemCodes(v.Records[0].Problems))
			},
		},
		{
			name: "deleted record",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				rc := vulnChange(t)
				in.Records = []RecordChange{{Path: rc.Path, Base: rc.Exception}}
				in.Reviews = []Review{approve(1, "bob", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []Code{CodeDeleted}, problemCodes(v.Records[0].Problems))
				assert.Equal(t, vulnID, v.Records[0].ExceptionID)
			},
		},
		{
			name: "head record that cannot be compared",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Records[0].HeadContent = nil
				in.Reviews = []Review{approve(1, "bob", headSHA)}
			},
			want: StateError,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []Code{CodeInvalidRecord}, problemCodes(v.Records[0].Problems))
			},
		},
		{
			name: "head that cannot be stripped, approved at the head",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				head := []byte("{exception_id: " + vulnID + ", type: vulnerability_scan, status: pending, requested_by: alice@example.com, expiry_date: '2026-04-06'}\n")
				in.Records = []RecordChange{change(t, "r.yaml", head, map[string][]byte{firstSHA: []byte("exception_id: x\n")})}
				in.Reviews = []Review{approve(1, "bob", headSHA)}
			},
			want: StateApproved,
		},
		{
			name: "head that cannot be stripped, approved at an earlier commit",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				head := []byte("{exception_id: " + vulnID + ", type: vulnerability_scan, status: pending, requested_by: alice@example.com, expiry_date: '2026-04-06'}\n")
				in.Records = []RecordChange{change(t, "r.yaml", head, map[string][]byte{firstSHA: []byte("exception_id: x\n")})}
				in.Reviews = []Review{approve(1, "bob", firstSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Contains(t, ignoredText(v.Records[0].Ignored, "bob", CodeIncomparable), "flow mapping")
			},
		},
		{
			name: "no records and no policy change",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Records = nil
			},
			want: StateApproved,
		},
		{
			name: "no policy",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Policy = nil
			},
			want: StateError,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []Code{CodeNoPolicy}, problemCodes(v.Problems))
			},
		},
		{
			name: "review without a user",
			setup: func(t *testing.T, in *Input, m *fakeMembers) {
				in.Reviews = []Review{approve(1, "", headSHA)}
			},
			want: StatePending,
			check: func(t *testing.T, v Verdict) {
				assert.Equal(t, []string{":no_user"}, ignoredCodes(v.Ignored))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{PR: defaultPR(), Policy: testPolicy(), Records: []RecordChange{vulnChange(t)}}
			m := newMembers()
			if tt.setup != nil {
				tt.setup(t, &in, m)
			}
			ctx := context.Background()
			if tt.name == "canceled context" {
				c, cancel := context.WithCancel(ctx)
				cancel()
				ctx = c
			}
			v := Evaluate(ctx, m, in)
			assert.Equal(t, tt.want, v.State, "%+v", v)
			if tt.records != nil {
				var got []State
				for _, r := range v.Records {
					got = append(got, r.State)
				}
				assert.Equal(t, tt.records, got)
			}
			assert.Equal(t, m.calls, v.MembershipLookups)
			for k, n := range m.asked {
				assert.Equal(t, 1, n, "%s asked %d times: the cache must answer repeats", k, n)
			}
			if tt.check != nil {
				tt.check(t, v)
			}
			_, err := json.Marshal(v)
			require.NoError(t, err)
		})
	}
}

func TestEvaluateCachesMembership(t *testing.T) {
	in := Input{PR: defaultPR(), Policy: testPolicy()}
	for i := range 5 {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		data := vulnRecord(id, "alice@example.com", "x", "")
		in.Records = append(in.Records, change(t, id+".yaml", data, map[string][]byte{firstSHA: data}))
	}
	in.Records = append(in.Records, crossChange(t))
	in.Reviews = []Review{approve(1, "mallory", headSHA), approve(2, "bob", firstSHA), approve(3, "erin", headSHA), approve(4, "bob", headSHA)}
	m := newMembers()
	v := Evaluate(context.Background(), m, in)
	assert.Equal(t, StateApproved, v.State)
	// mallory and bob for Security, erin for Security and the CAB, mallory
	// and bob for the CAB (the cross record looks everyone up): 6 at most,
	// however many records ask.
	assert.LessOrEqual(t, m.calls, 6)
	for k, n := range m.asked {
		assert.Equal(t, 1, n, k)
	}
}

// TestEvaluateManyReviews is the 250-review PR: 200 reviewers comment, 50
// of them approve, and only one of those is in the Security team.
func TestEvaluateManyReviews(t *testing.T) {
	in := Input{PR: defaultPR(), Policy: testPolicy(), Records: []RecordChange{vulnChange(t), crossChange(t)}}
	m := newMembers()
	m.teams[securityTeam] = []string{"user180"}
	m.teams[cabTeam] = []string{"user199"}
	id := int64(0)
	for i := range 200 {
		id++
		in.Reviews = append(in.Reviews, reviewOf(id, fmt.Sprintf("user%03d", i), ReviewCommented, "looking"))
	}
	for i := 150; i < 200; i++ {
		id++
		in.Reviews = append(in.Reviews, approve(id, fmt.Sprintf("user%03d", i), headSHA))
	}
	require.Len(t, in.Reviews, 250)

	start := time.Now()
	v := Evaluate(context.Background(), m, in)
	elapsed := time.Since(start)

	assert.Equal(t, StateApproved, v.State)
	assert.Equal(t, map[string][]string{"security": {"user180"}}, filled(v.Records[0]))
	assert.Equal(t, map[string][]string{"security": {"user180"}, "cab": {"user199"}}, filled(v.Records[1]))
	assert.Len(t, v.Ignored, 200, "every comment is explained once")
	assert.Len(t, v.Records[0].Ignored, 49, "every other approver is explained")
	// 50 approvers for Security and at most 50 for the CAB.
	assert.LessOrEqual(t, m.calls, 100)
	for k, n := range m.asked {
		assert.Equal(t, 1, n, k)
	}
	assert.Less(t, elapsed, 2*time.Second)
}

func TestDenial(t *testing.T) {
	tests := []struct {
		body, reason string
		ok           bool
	}{
		{"/deny", "", true},
		{"/deny too broad", "too broad", true},
		{"\n  /deny\ttoo broad\n", "too broad", true},
		{"/denylist", "", false},
		{"please /deny", "", false},
		{"/Deny x", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.body), func(t *testing.T) {
			reason, ok := denial(tt.body)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.reason, reason)
		})
	}
}

func TestMatch(t *testing.T) {
	// Candidates 0..2; groups 0 (Security) and 1 (CAB).
	adjacency := map[[2]int]bool{{0, 0}: true, {0, 1}: true, {1, 0}: true, {2, 1}: false}
	candOf, slotOf := match([]int{0, 1}, 3, func(c, g int) bool { return adjacency[[2]int{c, g}] })
	assert.Equal(t, []int{1, 0}, candOf, "candidate 0 moves to the CAB so that 1 can take Security")
	assert.Equal(t, []int{1, 0, -1}, slotOf)
}

func policyRule(in *Input, typ exception.Type, group string, count int) policy.TypeRule {
	r := in.Policy.Types[typ]
	r.Approvers = []policy.Seat{{Group: group, Count: count}}
	return r
}
