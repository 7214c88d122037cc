package githubapi_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/githubapi"
	"github.com/exctl/exctl/internal/githubapi/githubapitest"
)

const (
	headSHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9011223344"
	baseSHA = "ffeeddccbbaa00998877665544332211ffeeddcc"
)

func TestPullRequest(t *testing.T) {
	tests := []struct {
		name string
		pr   githubapi.PR
	}{
		{
			name: "open pull request from a branch",
			pr: githubapi.PR{
				Number: 42, Title: "Request exception for CVE-2024-1234", Body: "why", State: "open",
				Author: "alice", HeadSHA: headSHA, HeadRef: "exception/cve", HeadRepoFullName: "acme/exceptions",
				BaseSHA: baseSHA, BaseRef: "main", DefaultBranch: "main",
			},
		},
		{
			name: "draft from a fork with an empty body",
			pr: githubapi.PR{
				Number: 7, Title: "t", State: "open", Author: "mallory", HeadSHA: headSHA, HeadRef: "main",
				HeadRepoFullName: "mallory/exceptions", BaseSHA: baseSHA, BaseRef: "main", DefaultBranch: "main", Draft: true,
			},
		},
		{
			name: "merged by a bot",
			pr: githubapi.PR{
				Number: 3, Title: "t", State: "closed", Author: "dependabot[bot]", HeadSHA: headSHA, HeadRef: "deps",
				HeadRepoFullName: "acme/exceptions", BaseSHA: baseSHA, BaseRef: "main", DefaultBranch: "main", Merged: true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubapitest.NewServer(t)
			srv.Repo("acme", "exceptions").AddPR(tt.pr)

			got, err := srv.Client().PullRequest(context.Background(), "acme", "exceptions", tt.pr.Number)
			require.NoError(t, err)
			want := tt.pr
			want.HTMLURL = fmt.Sprintf("https://github.com/acme/exceptions/pull/%d", tt.pr.Number)
			assert.Equal(t, want, got)
		})
	}
}

func TestPullRequestFiles(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{HeadSHA: headSHA})
	files := []githubapi.File{
		{Filename: "exceptions/vulnerability_scan/6f1c0a52.yaml", Status: "added", SHA: "1111111111111111111111111111111111111111"},
		{Filename: "exceptions/gate_override/new.yaml", Status: "renamed", PreviousFilename: "exceptions/gate_override/old.yaml", SHA: "2222222222222222222222222222222222222222"},
		{Filename: "exceptions/policy.yaml", Status: "removed", SHA: "3333333333333333333333333333333333333333"},
	}
	repo.AddFiles(n, files...)

	got, err := srv.Client().PullRequestFiles(context.Background(), "acme", "exceptions", n)
	require.NoError(t, err)
	assert.Equal(t, files, got)
}

func TestPullRequestFilesPaging(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	for i := range 201 {
		repo.AddFiles(n, githubapi.File{Filename: fmt.Sprintf("exceptions/vulnerability_scan/%03d.yaml", i), Status: "added"})
	}
	c := srv.Client()

	got, err := c.PullRequestFiles(context.Background(), "acme", "exceptions", n)
	require.NoError(t, err)
	require.Len(t, got, 201)
	assert.Equal(t, "exceptions/vulnerability_scan/200.yaml", got[200].Filename)
	assert.Equal(t, 3, c.Requests())
}

func TestPullRequestCommits(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	commits := []githubapi.Commit{
		{SHA: "1111111111111111111111111111111111111111", AuthorLogin: "alice", AuthorEmail: "alice@example.com", CommitterLogin: "web-flow", CommitterEmail: "noreply@github.com"},
		// An e-mail GitHub cannot link to an account: no logins.
		{SHA: "2222222222222222222222222222222222222222", AuthorEmail: "bob@laptop.local", CommitterEmail: "bob@laptop.local"},
	}
	repo.AddCommits(n, commits...)

	got, err := srv.Client().PullRequestCommits(context.Background(), "acme", "exceptions", n)
	require.NoError(t, err)
	assert.Equal(t, commits, got)
}

func TestReviewsPaging(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{HeadSHA: headSHA})
	var want []githubapi.Review
	states := []string{githubapi.ReviewApproved, githubapi.ReviewCommented, githubapi.ReviewChangesRequested, githubapi.ReviewDismissed}
	for i := range 250 {
		rv := githubapi.Review{
			User:        fmt.Sprintf("reviewer%03d", i),
			State:       states[i%len(states)],
			Body:        fmt.Sprintf("review %d", i),
			CommitID:    headSHA,
			SubmittedAt: srv.Now().Add(time.Duration(i) * time.Minute),
		}
		rv.ID = repo.AddReview(n, rv)
		want = append(want, rv)
	}
	c := srv.Client()

	got, err := c.Reviews(context.Background(), "acme", "exceptions", n)
	require.NoError(t, err)
	require.Len(t, got, 250)
	for i := range got {
		got[i].SubmittedAt = got[i].SubmittedAt.UTC()
	}
	assert.Equal(t, want, got)

	reqs := srv.Requests()
	require.Len(t, reqs, 3, "250 reviews at 100 a page")
	for i, r := range reqs {
		q, err := url.ParseQuery(r.Query)
		require.NoError(t, err)
		assert.Equal(t, "100", q.Get("per_page"), "request %d", i)
	}
	assert.Equal(t, "", mustQuery(t, reqs[0].Query).Get("page"))
	assert.Equal(t, "2", mustQuery(t, reqs[1].Query).Get("page"))
	assert.Equal(t, "3", mustQuery(t, reqs[2].Query).Get("page"))
}

func TestPendingReviewHasNoSubmittedAt(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	repo.AddReview(n, githubapi.Review{User: "bob", State: githubapi.ReviewPending})

	got, err := srv.Client().Reviews(context.Background(), "acme", "exceptions", n)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, githubapi.ReviewPending, got[0].State)
	assert.True(t, got[0].SubmittedAt.IsZero())
}

func TestEmptyListsAreOneRequest(t *testing.T) {
	srv := githubapitest.NewServer(t)
	n := srv.Repo("acme", "exceptions").AddPR(githubapi.PR{})
	c := srv.Client()

	reviews, err := c.Reviews(context.Background(), "acme", "exceptions", n)
	require.NoError(t, err)
	assert.Empty(t, reviews)
	assert.Equal(t, 1, c.Requests())
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	require.NoError(t, err)
	return q
}

func TestExpiryBotPullRequests(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	repo.AddBranch("main", baseSHA)
	repo.AddBranch("exctl/expire-2026-04-07", headSHA)
	repo.AddPR(githubapi.PR{Number: 5, HeadRef: "unrelated"})
	c := srv.Client()
	ctx := context.Background()
	const head = "exctl/expire-2026-04-07"

	open, err := c.ListPullRequests(ctx, "acme", "exceptions", head, "open")
	require.NoError(t, err)
	assert.Empty(t, open, "no expiry PR yet")

	n, err := c.CreatePullRequest(ctx, "acme", "exceptions", githubapi.NewPR{Title: "Expire 1 exception", Body: "cc @acme/payments", Head: head, Base: "main"})
	require.NoError(t, err)
	assert.Equal(t, 6, n)

	_, err = c.CreatePullRequest(ctx, "acme", "exceptions", githubapi.NewPR{Title: "again", Head: head, Base: "main"})
	require.Error(t, err, "GitHub refuses a second open PR for the same head")
	assert.NotErrorIs(t, err, githubapi.ErrUnavailable)

	open, err = c.ListPullRequests(ctx, "acme", "exceptions", head, "open")
	require.NoError(t, err)
	require.Len(t, open, 1)
	assert.Equal(t, githubapi.PR{
		Number: 6, Title: "Expire 1 exception", Body: "cc @acme/payments", State: "open", Author: "github-actions[bot]",
		HeadSHA: headSHA, HeadRef: head, HeadRepoFullName: "acme/exceptions", BaseSHA: baseSHA, BaseRef: "main", DefaultBranch: "main",
		HTMLURL: "https://github.com/acme/exceptions/pull/6",
	}, open[0])
	assert.Equal(t, "head=acme%3Aexctl%2Fexpire-2026-04-07&per_page=100&state=open", srv.Requests()[0].Query)

	require.NoError(t, c.EditPullRequest(ctx, "acme", "exceptions", n, "cc @acme/payments @acme/platform"))
	assert.Equal(t, "cc @acme/payments @acme/platform", repo.PR(n).Body)
	assert.Equal(t, "Expire 1 exception", repo.PR(n).Title, "only the body changes")

	require.NoError(t, c.AddLabels(ctx, "acme", "exceptions", n, "exctl", "expiry"))
	require.NoError(t, c.AddLabels(ctx, "acme", "exceptions", n, "expiry"))
	assert.Equal(t, []string{"exctl", "expiry"}, repo.Labels(n))

	all, err := c.ListPullRequests(ctx, "acme", "exceptions", "", "all")
	require.NoError(t, err)
	assert.Len(t, all, 2)
}

func TestCreatePullRequestNeedsItsBranches(t *testing.T) {
	srv := githubapitest.NewServer(t)
	srv.Repo("acme", "exceptions").AddBranch("main", baseSHA)

	_, err := srv.Client().CreatePullRequest(context.Background(), "acme", "exceptions", githubapi.NewPR{Title: "t", Head: "missing", Base: "main"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "422")
}
