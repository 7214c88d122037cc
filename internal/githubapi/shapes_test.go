package githubapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/githubapi"
	"github.com/exctl/exctl/internal/githubapi/githubapitest"
)

// TestRealResponses serves every recorded GitHub response in
// githubapitest/testdata, byte for byte, through the fake and decodes it with
// the real client, so that a shape go-github or our mapping cannot read shows
// up here rather than against GitHub. Files for endpoints exctl does not call
// are decoded into their go-github type directly.
func TestRealResponses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		file    string
		pattern string // where the fake serves the file; "" decodes it directly
		status  int
		check   func(t *testing.T, c *githubapi.Client, body []byte)
	}{
		{
			file: "pulls-get.json", pattern: "GET /repos/PyGithub/PyGithub/pulls/3370",
			check: func(t *testing.T, c *githubapi.Client, _ []byte) {
				pr, err := c.PullRequest(ctx, "PyGithub", "PyGithub", 3370)
				require.NoError(t, err)
				assert.Equal(t, githubapi.PR{
					Number: 3370, Title: "Bump actions/setup-python from 5 to 6", Body: pr.Body, State: "closed",
					Author:  "dependabot[bot]",
					HeadSHA: "3253acaabd86de12b73d0a24c98eb9c13d1987b5", HeadRef: "dependabot/github_actions/actions/setup-python-6",
					HeadRepoFullName: "PyGithub/PyGithub",
					BaseSHA:          "4a353f7300fe5fea0cce2a50190249c3f332e53d", BaseRef: "main", DefaultBranch: "main",
					Merged: true, HTMLURL: "https://github.com/PyGithub/PyGithub/pull/3370", ChangedFiles: 4, Commits: 1,
				}, pr)
				assert.NotEmpty(t, pr.Body)
			},
		},
		{
			file: "pulls-list.json", pattern: "GET /repos/rsn491/PyGithub/pulls",
			check: func(t *testing.T, c *githubapi.Client, _ []byte) {
				prs, err := c.ListPullRequests(ctx, "rsn491", "PyGithub", "", "open")
				require.NoError(t, err)
				require.Len(t, prs, 1)
				assert.Equal(t, 1, prs[0].Number)
				assert.Equal(t, "rsn491", prs[0].Author)
				assert.Equal(t, "a7c8a2142a33b026f51eecd3f5cba3694bd52f8b", prs[0].HeadSHA)
				assert.Equal(t, "rsn491/PyGithub", prs[0].HeadRepoFullName)
				assert.False(t, prs[0].Merged, "merged_at is null")
				assert.False(t, prs[0].Draft, "no draft field in this older shape")
			},
		},
		{
			file: "pulls-create.json", pattern: "POST /repos/o/r/pulls", status: http.StatusCreated,
			check: func(t *testing.T, c *githubapi.Client, _ []byte) {
				n, err := c.CreatePullRequest(ctx, "o", "r", githubapi.NewPR{Title: "A new PR", Head: "branch-for-pr", Base: "main", Draft: true})
				require.NoError(t, err)
				assert.Equal(t, 1, n)
			},
		},
		{
			file: "pulls-list-files.json", pattern: "GET /repos/octokit/octokit.rb/pulls/67/files",
			check: func(t *testing.T, c *githubapi.Client, _ []byte) {
				files, err := c.PullRequestFiles(ctx, "octokit", "octokit.rb", 67)
				require.NoError(t, err)
				require.Len(t, files, 3)
				assert.Equal(t, githubapi.File{Filename: "lib/octokit/configuration.rb", Status: "modified", SHA: "30b6f47245176d7f0c41849d5470bd2bede4775b"}, files[0])
			},
		},
		{
			file: "pulls-list-reviews.json", pattern: "GET /repos/PyGithub/PyGithub/pulls/538/reviews",
			check: func(t *testing.T, c *githubapi.Client, _ []byte) {
				reviews, err := c.Reviews(ctx, "PyGithub", "PyGithub", 538)
				require.NoError(t, err)
				require.Len(t, reviews, 5)
				assert.Equal(t, githubapi.Review{
					ID: 28482091, User: "jzelinskie", State: githubapi.ReviewApproved, CommitID: "7a0fcb27b7cd6c346fc3f76216ccb6e0f4ca3bcc",
					SubmittedAt: time.Date(2017, 3, 22, 19, 6, 59, 0, time.UTC),
				}, utcReview(reviews[0]))
				assert.Equal(t, "sfdye", reviews[4].User)
				assert.Equal(t, githubapi.ReviewCommented, reviews[4].State)
			},
		},
		{
			file: "pulls-dismiss-review.json",
			check: func(t *testing.T, _ *githubapi.Client, body []byte) {
				var rv github.PullRequestReview
				require.NoError(t, json.Unmarshal(body, &rv))
				assert.Equal(t, githubapi.ReviewDismissed, rv.GetState())
				assert.Equal(t, "jzelinskie", rv.GetUser().GetLogin())
			},
		},
		{
			file: "teams-get-membership-for-user.json", pattern: "GET /orgs/acme/teams/security/memberships/bob",
			check: func(t *testing.T, c *githubapi.Client, _ []byte) {
				m, err := c.TeamMembership(ctx, "acme", "security", "bob")
				require.NoError(t, err)
				assert.Equal(t, githubapi.Membership{State: githubapi.MembershipActive, Role: "maintainer"}, m)
			},
		},
		{
			file: "teams-list-members-empty.json",
			check: func(t *testing.T, _ *githubapi.Client, body []byte) {
				var users []*github.User
				require.NoError(t, json.Unmarshal(body, &users))
				assert.Empty(t, users)
			},
		},
		{
			file: "repos-create-commit-status.json", pattern: "POST /repos/o/r/statuses/*", status: http.StatusCreated,
			check: func(t *testing.T, c *githubapi.Client, body []byte) {
				require.NoError(t, c.CreateStatus(ctx, "o", "r", "2a6c97f6f5dc9166cc2e5d0d95415a386805ca07",
					githubapi.Status{State: githubapi.StatusFailure, Context: "example/1", Description: "create-status failure test"}))
				var st github.RepoStatus
				require.NoError(t, json.Unmarshal(body, &st))
				assert.Equal(t, githubapi.StatusFailure, st.GetState())
				assert.Equal(t, "example/1", st.GetContext())
			},
		},
		{
			file: "issues-list-comments.json", pattern: "GET /repos/PyGithub/PyGithub/issues/3372/comments",
			check: func(t *testing.T, c *githubapi.Client, _ []byte) {
				comments, err := c.ListIssueComments(ctx, "PyGithub", "PyGithub", 3372)
				require.NoError(t, err)
				require.Len(t, comments, 4)
				assert.Equal(t, int64(3291867079), comments[0].ID)
				assert.Equal(t, "iarspider", comments[0].User)
				assert.Equal(t, time.Date(2025, 9, 15, 12, 15, 13, 0, time.UTC), comments[0].CreatedAt.UTC())
				assert.Equal(t, "EnricoMi", comments[3].User)
			},
		},
		{
			file: "issues-create-comment.json", pattern: "POST /repos/o/r/issues/1/comments", status: http.StatusCreated,
			check: func(t *testing.T, c *githubapi.Client, _ []byte) {
				cm, err := c.CreateIssueComment(ctx, "o", "r", 1, "A test comment")
				require.NoError(t, err)
				assert.Equal(t, int64(255559959), cm.ID)
				assert.Equal(t, "A test comment", cm.Body)
			},
		},
		{
			file: "checks-create.json",
			check: func(t *testing.T, _ *githubapi.Client, body []byte) {
				var run github.CheckRun
				require.NoError(t, json.Unmarshal(body, &run))
				assert.Equal(t, "completed", run.GetStatus())
				assert.Equal(t, "success", run.GetConclusion())
			},
		},
	}

	dir := filepath.Join("githubapitest", "testdata")
	entries, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
	}
	for _, e := range entries {
		assert.True(t, covered[filepath.Base(e)], "%s has no shape test", e)
	}

	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(dir, tt.file))
			require.NoError(t, err)
			srv := githubapitest.NewServer(t)
			if tt.pattern != "" {
				status := tt.status
				if status == 0 {
					status = http.StatusOK
				}
				srv.Inject(tt.pattern, 1, githubapitest.Fault{Status: status, Body: string(body)})
				srv.ExpectCall(tt.pattern)
			}
			tt.check(t, srv.Client(), body)
		})
	}
}

func utcReview(r githubapi.Review) githubapi.Review {
	r.SubmittedAt = r.SubmittedAt.UTC()
	return r
}
