package githubapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/githubapi"
	"github.com/exctl/exctl/internal/githubapi/githubapitest"
)

func TestNewRejectsBadBaseURLs(t *testing.T) {
	for _, base := range []string{"::", "ftp://example.com/", "/relative/only"} {
		t.Run(base, func(t *testing.T) {
			_, err := githubapi.New(githubapi.Options{BaseURL: base})
			assert.Error(t, err)
		})
	}
}

func TestNewDefaultsToPublicGitHub(t *testing.T) {
	c, err := githubapi.New(githubapi.Options{})
	require.NoError(t, err)
	assert.Equal(t, 0, c.Requests())
}

// An Enterprise GITHUB_API_URL has a path and usually no trailing slash;
// without one, go-github would resolve "repos/…" against "/api/" and lose "v3".
func TestEnterpriseBaseURLKeepsItsPath(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []*http.Request
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Clone(context.Background()))
		mu.Unlock()
		fmt.Fprint(w, `{"state":"active","role":"member"}`)
	}))
	defer srv.Close()
	c, err := githubapi.New(githubapi.Options{BaseURL: srv.URL + "/api/v3", Token: "s3cret", UserAgent: "exctl-test"})
	require.NoError(t, err)

	m, err := c.TeamMembership(context.Background(), "acme", "security", "bob")
	require.NoError(t, err)
	assert.Equal(t, githubapi.Membership{State: "active", Role: "member"}, m)
	require.Len(t, seen, 1)
	assert.Equal(t, "/api/v3/orgs/acme/teams/security/memberships/bob", seen[0].URL.Path)
	assert.Equal(t, "Bearer s3cret", seen[0].Header.Get("Authorization"))
	assert.Equal(t, "exctl-test", seen[0].Header.Get("User-Agent"))
}

func TestTokenIsSentAndChecked(t *testing.T) {
	srv := githubapitest.NewServer(t)
	srv.RequireToken(githubapitest.Token)
	srv.Repo("acme", "exceptions").AddPR(githubapi.PR{Number: 1})

	_, err := srv.Client().PullRequest(context.Background(), "acme", "exceptions", 1)
	require.NoError(t, err)
	assert.Equal(t, "Bearer "+githubapitest.Token, srv.Requests()[0].Header.Get("Authorization"))

	opts := srv.Options()
	opts.Token = "wrong"
	c, err := githubapi.New(opts)
	require.NoError(t, err)
	_, err = c.PullRequest(context.Background(), "acme", "exceptions", 1)
	require.Error(t, err)
	// Bad credentials is an answer, not an outage, and not retried.
	for _, sentinel := range []error{githubapi.ErrNotFound, githubapi.ErrRateLimited, githubapi.ErrUnavailable} {
		assert.NotErrorIs(t, err, sentinel)
	}
	assert.Equal(t, 1, c.Requests())
}

func TestErrorsSayWhatWasBeingDone(t *testing.T) {
	srv := githubapitest.NewServer(t)
	srv.Repo("acme", "exceptions")

	_, err := srv.Client().PullRequest(context.Background(), "acme", "exceptions", 7)
	require.Error(t, err)
	assert.ErrorIs(t, err, githubapi.ErrNotFound)
	assert.True(t, strings.HasPrefix(err.Error(), "get pull request acme/exceptions#7: "), err.Error())
}

func TestRequestsCountsEveryRequest(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	for i := range 3 {
		repo.AddReview(n, githubapi.Review{User: fmt.Sprintf("r%d", i), State: githubapi.ReviewApproved})
	}
	srv.FailNext("GET /repos/acme/exceptions/pulls/*/files", http.StatusBadGateway, 1)
	c := srv.Client()
	ctx := context.Background()

	_, err := c.PullRequest(ctx, "acme", "exceptions", n)
	require.NoError(t, err)
	_, err = c.Reviews(ctx, "acme", "exceptions", n)
	require.NoError(t, err)
	_, err = c.PullRequestFiles(ctx, "acme", "exceptions", n) // one retry
	require.NoError(t, err)

	assert.Equal(t, 4, c.Requests())
	assert.Equal(t, srv.RequestCount(), c.Requests())
}

func TestClientIsSafeForConcurrentUse(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	srv.SetMembership("acme", "security", "bob", githubapi.MembershipActive)
	// One fewer failure than a call's attempts: whichever goroutines the
	// failures land on, every call succeeds in the end.
	srv.FailNext("", http.StatusServiceUnavailable, 4)
	c := srv.Client()

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := c.PullRequest(context.Background(), "acme", "exceptions", n)
			assert.NoError(t, err)
			_, err = c.TeamMembership(context.Background(), "acme", "security", "bob")
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, 44, c.Requests())
	assert.Len(t, srv.Slept(), 4)
}
