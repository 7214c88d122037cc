package cli

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/githubapi"
	"github.com/exctl/exctl/internal/githubapi/githubapitest"
	"github.com/exctl/exctl/internal/gittest"
)

const newRecordPath = "exceptions/vulnerability_scan/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee.yaml"

const newRecord = `# yaml-language-server: $schema=../../schemas/exception.schema.json
exception_id: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee
type: vulnerability_scan
status: pending
justification: No fixed release yet; the service is internal only.
requested_by: alice@example.com
scope:
  environments: [staging]
vulnerabilities:
  - {cve: CVE-2024-1234, severity: High, component: library-v1.2.3}
compensating_controls:
  - id: net-isolation
    specific: Deploy to isolated VLAN 192.168.100.0/24
    measurable: Network monitoring confirms isolation
    enforceable: Firewall rules enforce VLAN boundaries
risk: {exposure: internal}
expiry_date: 2027-01-31
created_at: 2026-11-20T10:00:00Z
`

// prFixture is a real repository with a bare remote and a fake GitHub
// holding pull request #7, which adds one pending record.
type prFixture struct {
	g      *gittest.Repo
	bare   string
	srv    *githubapitest.Server
	repo   *githubapitest.Repo
	base   string
	head   string
	record string // path of the added record
}

func newPRFixture(t testing.TB) *prFixture {
	t.Helper()
	f := &prFixture{g: gittest.New(t), bare: t.TempDir(), srv: githubapitest.NewServer(t), record: newRecordPath}
	_, err := git.PlainInit(f.bare, true)
	require.NoError(t, err)
	copyExamples(t, f.g.Dir)
	f.base = f.g.Commit("examples").String()
	_, err = f.g.Git.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{f.bare}})
	require.NoError(t, err)
	f.g.Branch("request")
	f.g.Write(f.record, newRecord)
	f.head = f.g.Commit("Request an exception for CVE-2024-1234").String()
	f.g.GitCLI("push", "-q", "origin", "main", "request")

	f.repo = f.srv.Repo("acme", "exceptions")
	f.repo.AddBranch("main", f.base)
	f.repo.AddBranch("request", f.head)
	n := f.repo.AddPR(githubapi.PR{Number: 7, Title: "Request an exception", State: "open", Author: "alice",
		HeadSHA: f.head, HeadRef: "request", HeadRepoFullName: "acme/exceptions", BaseSHA: f.base, BaseRef: "main"})
	require.Equal(t, 7, n)
	f.repo.AddFiles(7, githubapi.File{Filename: f.record, Status: "added"})
	f.repo.AddCommits(7, githubapi.Commit{SHA: f.head, AuthorLogin: "alice", AuthorEmail: "alice@example.com", CommitterLogin: "alice", CommitterEmail: "alice@example.com"})
	f.srv.SetMembership("acme", "security-reviewers", "sec-bob", "active")
	f.srv.SetMembership("acme", "cab", "cab-erin", "active")
	return f
}

func (f *prFixture) approve(user, commit string) {
	f.repo.AddReview(7, githubapi.Review{User: user, State: githubapi.ReviewApproved, CommitID: commit, SubmittedAt: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)})
}

// run executes exctl approvals against the fixture.
func (f *prFixture) run(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{ctx: context.Background(), stdout: &out, stderr: &errOut,
		getenv: func(k string) string {
			if k == "GITHUB_TOKEN" {
				return githubapitest.Token
			}
			return ""
		},
		now:    func() time.Time { return time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC) },
		github: func(string) (*githubapi.Client, error) { return f.srv.Client(), nil },
	}
	code := e.run(append([]string{"approvals", "--dir", f.g.Dir, "--repo", "acme/exceptions", "--pr", "7", "--now", "2026-11-21T10:00:00Z"}, args...))
	return code, out.String(), errOut.String()
}

func TestApprovalsApprovedPostedAndRecorded(t *testing.T) {
	f := newPRFixture(t)
	f.approve("sec-bob", f.head)

	code, out, errOut := f.run(t)
	require.Equal(t, ExitOK, code, "%s\n%s", out, errOut)
	assert.Contains(t, out, "APPROVED")
	assert.Contains(t, out, "@sec-bob")

	f.srv.ResetRequests()
	code, _, errOut = f.run(t, "--post", "--record")
	require.Equal(t, ExitOK, code, errOut)
	assert.LessOrEqual(t, f.srv.Count("GET /repos/*/*/pulls/*")+f.srv.Count("GET /repos/*/*/pulls/*/reviews")+f.srv.Count("GET /repos/*/*/pulls/*/files")+f.srv.Count("GET /repos/*/*/pulls/*/commits")+f.srv.Count("GET /orgs/*/teams/*/memberships/*"), 6,
		"one record and one review take at most 6 read requests:\n%v", f.srv.Requests())

	// The decision was committed on the branch with trailers and pushed.
	newHead := strings.TrimSpace(gitOut(t, f.bare, "rev-parse", "request"))
	require.NotEqual(t, f.head, newHead)
	recorded := gitOut(t, f.bare, "show", "request:"+f.record)
	assert.Contains(t, recorded, "status: approved\n")
	assert.Contains(t, recorded, "approved_by: [sec-bob]\n")
	assert.Contains(t, recorded, `approval_date: "2026-11-21"`)
	assert.NotContains(t, recorded, "cab_approved_by", "a low-risk vulnerability needs Security only")
	msg := gitOut(t, f.bare, "log", "-1", "--format=%B", "request")
	assert.Contains(t, msg, "Exception-Id: aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\n")
	assert.Contains(t, msg, "Exception-Event: EXCEPTION_APPROVED\n")
	assert.Contains(t, msg, "Approved-by: sec-bob (security)\n")
	assert.Contains(t, msg, "Pull-Request: #7\n")

	// The status is set on the new head, which GitHub will not re-check
	// because a token's push starts no workflow.
	st, ok := f.repo.Status(newHead, StatusContext)
	require.True(t, ok)
	assert.Equal(t, githubapi.StatusSuccess, st.State)
	comments := f.repo.Comments(7)
	require.Len(t, comments, 1)
	assert.Contains(t, comments[0].Body, stickyMarker)

	// On the new head the approval still counts: only controller fields
	// changed. The validator accepts the recorded record as well.
	f.g.GitCLI("pull", "-q", "origin", "request")
	pr := f.repo.PR(7)
	pr.HeadSHA = newHead
	f.repo.SetPR(pr)
	f.repo.AddCommits(7, githubapi.Commit{SHA: newHead, AuthorLogin: "", AuthorEmail: "exctl@users.noreply.github.com"})
	code, out, errOut = f.run(t, "--post")
	require.Equal(t, ExitOK, code, "%s\n%s", out, errOut)
	require.Len(t, f.repo.Comments(7), 1, "one sticky comment, updated, never a second")
	code, _, errOut = run(t, "validate", "--repo", f.g.Dir, "--now", "2026-11-21T10:00:00Z", "--base", f.base)
	assert.Equal(t, ExitOK, code, errOut)
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

func TestApprovalsNotYet(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(f *prFixture)
		exit   int
		status string
		want   string
	}{
		{name: "no reviews", setup: func(f *prFixture) {}, exit: ExitNo, status: githubapi.StatusFailure, want: "missing: 1 more from @acme/security-reviewers"},
		{name: "author approves own PR", setup: func(f *prFixture) {
			f.srv.SetMembership("acme", "security-reviewers", "alice", "active")
			f.approve("alice", f.head)
		}, exit: ExitNo, status: githubapi.StatusFailure, want: "did not count: @alice"},
		{name: "a non-member approves", setup: func(f *prFixture) { f.approve("mallory", f.head) }, exit: ExitNo, status: githubapi.StatusFailure, want: "@mallory"},
		{name: "changes requested", setup: func(f *prFixture) {
			f.repo.AddReview(7, githubapi.Review{User: "sec-bob", State: githubapi.ReviewChangesRequested, CommitID: f.head, Body: "Scope it to staging only"})
		}, exit: ExitNo, status: githubapi.StatusFailure, want: "blocked by @sec-bob"},
		{name: "denied", setup: func(f *prFixture) {
			f.repo.AddReview(7, githubapi.Review{User: "sec-bob", State: githubapi.ReviewChangesRequested, CommitID: f.head, Body: "/deny upgrade instead"})
		}, exit: ExitNo, status: githubapi.StatusFailure, want: "DENIED"},
		{name: "team lookup fails", setup: func(f *prFixture) {
			f.approve("sec-bob", f.head)
			f.srv.FailNext("/orgs/*/teams/*/memberships/*", 500, -1)
		}, exit: ExitError, status: githubapi.StatusError, want: "ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newPRFixture(t)
			tt.setup(f)
			code, out, errOut := f.run(t, "--post")
			assert.Equal(t, tt.exit, code, "%s\n%s", out, errOut)
			assert.Contains(t, out, tt.want)
			st, ok := f.repo.Status(f.head, StatusContext)
			require.True(t, ok)
			assert.Equal(t, tt.status, st.State)
		})
	}
}

func TestApprovalsRecordsDenial(t *testing.T) {
	f := newPRFixture(t)
	f.repo.AddReview(7, githubapi.Review{User: "sec-bob", State: githubapi.ReviewChangesRequested, CommitID: f.head, Body: "/deny upgrade to 1.2.4 instead"})
	code, _, errOut := f.run(t, "--record")
	require.Equal(t, ExitNo, code, errOut)
	recorded := gitOut(t, f.bare, "show", "request:"+f.record)
	assert.Contains(t, recorded, "status: denied\n")
	assert.Contains(t, recorded, "denied_by: [sec-bob]\n")
	assert.Contains(t, recorded, "denial_reason: upgrade to 1.2.4 instead\n")
	assert.Contains(t, gitOut(t, f.bare, "log", "-1", "--format=%B", "request"), "Exception-Event: EXCEPTION_DENIED\n")
}

func TestApprovalsAPIDown(t *testing.T) {
	f := newPRFixture(t)
	f.approve("sec-bob", f.head)
	f.srv.Down()
	code, _, errOut := f.run(t, "--post")
	assert.Equal(t, ExitError, code)
	assert.NotEmpty(t, errOut)
	_, ok := f.repo.Status(f.head, StatusContext)
	assert.False(t, ok, "no status can be set while the API is down, and certainly not success")
}

func TestApprovalsNeedsCommitsLocally(t *testing.T) {
	f := newPRFixture(t)
	pr := f.repo.PR(7)
	pr.HeadSHA = strings.Repeat("1", 40)
	f.repo.SetPR(pr)
	code, _, errOut := f.run(t)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "fetch-depth: 0")
}

func TestApprovalsFromEventPayload(t *testing.T) {
	f := newPRFixture(t)
	f.approve("sec-bob", f.head)
	payload := `{"action":"submitted","pull_request":{"number":7,"head":{"sha":"` + f.head + `","ref":"request","repo":{"full_name":"acme/exceptions"}},"base":{"sha":"` + f.base + `","ref":"main"}},"repository":{"full_name":"acme/exceptions"}}`
	p := writeFile(t, t.TempDir(), "event.json", payload)
	var out, errOut bytes.Buffer
	e := &env{ctx: context.Background(), stdout: &out, stderr: &errOut, now: time.Now,
		getenv: func(k string) string {
			return map[string]string{"GITHUB_TOKEN": "t", "GITHUB_EVENT_NAME": "pull_request_review", "GITHUB_EVENT_PATH": p}[k]
		},
		github: func(string) (*githubapi.Client, error) { return f.srv.Client(), nil }}
	code := e.run([]string{"approvals", "--dir", f.g.Dir, "--format", "json"})
	assert.Equal(t, ExitOK, code, errOut.String())
	assert.Contains(t, out.String(), `"state": "approved"`)

	// Without a token nothing is decided.
	e.getenv = func(k string) string {
		return map[string]string{"GITHUB_EVENT_NAME": "pull_request_review", "GITHUB_EVENT_PATH": p}[k]
	}
	errOut.Reset()
	assert.Equal(t, ExitError, e.run([]string{"approvals", "--dir", f.g.Dir}))
	assert.Contains(t, errOut.String(), "GITHUB_TOKEN")

	// A payload for another repository than the run's decides nothing.
	for repo, want := range map[string]int{"acme/other-repo": ExitError, "ACME/Exceptions": ExitOK, "acme/exceptions": ExitOK} {
		e.getenv = func(k string) string {
			return map[string]string{"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": repo, "GITHUB_EVENT_NAME": "pull_request_review", "GITHUB_EVENT_PATH": p}[k]
		}
		errOut.Reset()
		assert.Equal(t, want, e.run([]string{"approvals", "--dir", f.g.Dir}), "%s: %s", repo, errOut.String())
		if want == ExitError {
			assert.Contains(t, errOut.String(), "GITHUB_REPOSITORY is acme/other-repo")
		}
	}
}

// A pull request into a branch that is not protected is not judged: its
// policy is whatever that branch holds, and a success posted on its head
// would count for every pull request with the same head.
func TestApprovalsOnlyForProtectedBases(t *testing.T) {
	f := newPRFixture(t)
	f.approve("sec-bob", f.head)
	f.repo.AddBranch("evil-base", f.base)
	pr := f.repo.PR(7)
	pr.BaseRef = "evil-base"
	f.repo.SetPR(pr)

	code, _, errOut := f.run(t, "--post")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, `pull request #7 is into "evil-base", which is not a branch approvals are judged for (main)`)
	st, ok := f.repo.Status(f.head, StatusContext)
	require.True(t, ok, "the head gets an error status, not none")
	assert.Equal(t, githubapi.StatusError, st.State)

	code, _, errOut = f.run(t, "--base-branch", "main", "--base-branch", "evil-base")
	assert.Equal(t, ExitOK, code, errOut)

	f.repo.SetDefaultBranch("trunk")
	pr.BaseRef = "main"
	f.repo.SetPR(pr)
	code, _, errOut = f.run(t)
	assert.Equal(t, ExitError, code, "the default branch decides when no --base-branch is given")
	assert.Contains(t, errOut, "(trunk)")
}
