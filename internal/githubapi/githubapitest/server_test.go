package githubapitest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/githubapi"
	"github.com/exctl/exctl/internal/githubapi/githubapitest"
)

// get fetches path from srv with a plain HTTP client, as GitHub's clients would.
func get(t *testing.T, srv *githubapitest.Server, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func TestPagingLinks(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	for i := range 5 {
		repo.AddReview(n, githubapi.Review{User: fmt.Sprintf("u%d", i), State: githubapi.ReviewApproved})
	}
	path := fmt.Sprintf("/repos/acme/exceptions/pulls/%d/reviews", n)
	link := func(page int) string {
		return fmt.Sprintf("<%s%s?page=%d&per_page=2>", srv.URL, path, page)
	}

	tests := []struct {
		query     string
		wantUsers []string
		wantLink  string
	}{
		{query: "?per_page=2", wantUsers: []string{"u0", "u1"}, wantLink: link(2) + `; rel="next", ` + link(3) + `; rel="last"`},
		{query: "?per_page=2&page=2", wantUsers: []string{"u2", "u3"}, wantLink: link(3) + `; rel="next", ` + link(3) + `; rel="last", ` + link(1) + `; rel="first", ` + link(1) + `; rel="prev"`},
		{query: "?per_page=2&page=3", wantUsers: []string{"u4"}, wantLink: link(1) + `; rel="first", ` + link(2) + `; rel="prev"`},
		{query: "?per_page=2&page=9", wantUsers: []string{}, wantLink: link(1) + `; rel="first", ` + link(3) + `; rel="prev"`},
		{query: "", wantUsers: []string{"u0", "u1", "u2", "u3", "u4"}},
		{query: "?per_page=1000", wantUsers: []string{"u0", "u1", "u2", "u3", "u4"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, body := get(t, srv, http.MethodGet, path+tt.query, "")
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, tt.wantLink, resp.Header.Get("Link"))
			var reviews []struct {
				User struct{ Login string }
			}
			require.NoError(t, json.Unmarshal(body, &reviews))
			users := []string{}
			for _, r := range reviews {
				users = append(users, r.User.Login)
			}
			assert.Equal(t, tt.wantUsers, users)
		})
	}
}

// TestResponsesKeepTheRealShape checks that each rendered response has the
// same fields as the real response it was built from.
func TestResponsesKeepTheRealShape(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	repo.AddBranch("main", "1111111111111111111111111111111111111111")
	repo.AddBranch("next", "2222222222222222222222222222222222222222")
	n := repo.AddPR(githubapi.PR{Author: "alice"})
	repo.AddFiles(n, githubapi.File{Filename: "exceptions/policy.yaml"})
	repo.AddReview(n, githubapi.Review{User: "bob", State: githubapi.ReviewApproved})
	repo.AddComment(n, "alice", "hi")
	srv.SetMembership("acme", "security", "bob", githubapi.MembershipActive)

	tests := []struct {
		method, path, body string
		template           string
		// ignore lists fields the fake leaves out on purpose; extra, fields
		// it adds because GitHub sends them today.
		ignore, extra []string
	}{
		{method: "GET", path: fmt.Sprintf("/repos/acme/exceptions/pulls/%d", n), template: "pulls-get.json"},
		{method: "PATCH", path: fmt.Sprintf("/repos/acme/exceptions/pulls/%d", n), body: `{"body":"b"}`, template: "pulls-get.json"},
		{method: "GET", path: "/repos/acme/exceptions/pulls", template: "pulls-list.json", extra: []string{"draft"}},
		{method: "POST", path: "/repos/acme/exceptions/pulls", body: `{"title":"t","head":"next","base":"main"}`, template: "pulls-create.json"},
		{method: "GET", path: fmt.Sprintf("/repos/acme/exceptions/pulls/%d/files", n), template: "pulls-list-files.json", ignore: []string{"patch"}},
		{method: "GET", path: fmt.Sprintf("/repos/acme/exceptions/pulls/%d/reviews", n), template: "pulls-list-reviews.json"},
		{method: "GET", path: "/orgs/acme/teams/security/memberships/bob", template: "teams-get-membership-for-user.json"},
		{method: "POST", path: "/repos/acme/exceptions/statuses/1111111111111111111111111111111111111111", body: `{"state":"success","context":"exctl/approvals"}`, template: "repos-create-commit-status.json"},
		{method: "GET", path: fmt.Sprintf("/repos/acme/exceptions/issues/%d/comments", n), template: "issues-list-comments.json"},
		{method: "POST", path: fmt.Sprintf("/repos/acme/exceptions/issues/%d/comments", n), body: `{"body":"x"}`, template: "issues-create-comment.json"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := get(t, srv, tt.method, tt.path, tt.body)
			require.Less(t, resp.StatusCode, 300, string(body))
			real, err := os.ReadFile(filepath.Join("testdata", tt.template))
			require.NoError(t, err)
			want := keys(t, real)
			want = slices.DeleteFunc(want, func(k string) bool { return slices.Contains(tt.ignore, k) })
			want = append(want, tt.extra...)
			slices.Sort(want)
			assert.Equal(t, want, keys(t, body))
		})
	}
}

// keys returns the sorted top-level keys of a JSON object, or of the first
// object of a JSON array.
func keys(t *testing.T, b []byte) []string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	if l, ok := v.([]any); ok {
		require.NotEmpty(t, l)
		v = l[0]
	}
	var out []string
	for k := range v.(map[string]any) {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestFaults(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	pr := fmt.Sprintf("/repos/acme/exceptions/pulls/%d", n)

	srv.FailNext("GET /repos/*/*/pulls/*", http.StatusBadGateway, 2)
	srv.FailNext("POST /repos/*/*/pulls/*", http.StatusTeapot, 1) // another method: never applies to GET
	srv.FailNext("/orgs/*/teams/*/memberships/*", http.StatusInternalServerError, 1)

	var got []int
	for range 3 {
		resp, _ := get(t, srv, http.MethodGet, pr, "")
		got = append(got, resp.StatusCode)
	}
	assert.Equal(t, []int{502, 502, 200}, got)

	resp, body := get(t, srv, http.MethodGet, "/orgs/acme/teams/security/memberships/bob", "")
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.JSONEq(t, `{"message":"Internal Server Error","documentation_url":"https://docs.github.com/rest"}`, string(body))

	reset := srv.Now().Add(time.Minute)
	srv.Inject("", 1, githubapitest.PrimaryRateLimit(reset))
	resp, _ = get(t, srv, http.MethodGet, pr, "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, "0", resp.Header.Get("X-RateLimit-Remaining"))
	assert.Equal(t, fmt.Sprint(reset.Unix()), resp.Header.Get("X-RateLimit-Reset"))

	srv.Inject("", 1, githubapitest.SecondaryRateLimit(90*time.Second))
	resp, body = get(t, srv, http.MethodGet, pr, "")
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, "90", resp.Header.Get("Retry-After"))
	assert.Contains(t, string(body), "secondary-rate-limits")

	srv.Down()
	for range 3 {
		resp, _ := get(t, srv, http.MethodGet, pr, "")
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	}
	srv.ClearFaults()
	resp, _ = get(t, srv, http.MethodGet, pr, "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	assert.Equal(t, 9, srv.Count("GET /repos/acme/exceptions/pulls/*"))
	assert.Equal(t, 0, srv.Count("POST /repos/acme/exceptions/pulls/*"))
	assert.Equal(t, 10, srv.RequestCount())
	statuses := []int{}
	for _, r := range srv.Requests() {
		statuses = append(statuses, r.Status)
	}
	assert.Equal(t, []int{502, 502, 200, 500, 403, 403, 503, 503, 503, 200}, statuses[:10])
	srv.ResetRequests()
	assert.Equal(t, 0, srv.RequestCount())
}

func TestFakeClock(t *testing.T) {
	srv := githubapitest.NewServer(t)
	start := srv.Now()
	assert.Equal(t, 0, start.Nanosecond(), "whole seconds, like X-RateLimit-Reset")
	srv.Advance(time.Minute)
	assert.Equal(t, start.Add(time.Minute), srv.Now())

	opts := srv.Options()
	require.NoError(t, opts.Sleep(t.Context(), 5*time.Second))
	assert.Equal(t, start.Add(time.Minute+5*time.Second), srv.Now())
	assert.Equal(t, []time.Duration{5 * time.Second}, srv.Slept())
}

func TestCreatePullRequestRules(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	repo.AddBranch("main", "1111111111111111111111111111111111111111")
	repo.AddBranch("expire", "2222222222222222222222222222222222222222")
	srv.Repo("fork", "exceptions").AddBranch("patch", "3333333333333333333333333333333333333333")

	tests := []struct {
		name, body string
		want       int
	}{
		{name: "no title", body: `{"head":"expire","base":"main"}`, want: 422},
		{name: "unknown head", body: `{"title":"t","head":"nope","base":"main"}`, want: 422},
		{name: "unknown base", body: `{"title":"t","head":"expire","base":"nope"}`, want: 422},
		{name: "created", body: `{"title":"t","head":"expire","base":"main"}`, want: 201},
		{name: "the same head and base again", body: `{"title":"t","head":"acme:expire","base":"main"}`, want: 422},
		{name: "from a fork", body: `{"title":"t","head":"fork:patch","base":"main"}`, want: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv, http.MethodPost, "/repos/acme/exceptions/pulls", tt.body)
			assert.Equal(t, tt.want, resp.StatusCode, string(body))
		})
	}
	prs := repo.PullRequests()
	require.Len(t, prs, 2)
	assert.Equal(t, "fork/exceptions", prs[1].HeadRepoFullName)
	assert.Equal(t, "3333333333333333333333333333333333333333", prs[1].HeadSHA)
}

func TestOnlyTheAuthorEditsAComment(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	id := repo.AddComment(n, "alice", "mine")

	resp, _ := get(t, srv, http.MethodPatch, fmt.Sprintf("/repos/acme/exceptions/issues/comments/%d", id), `{"body":"yours"}`)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, "mine", repo.Comments(n)[0].Body)
}

func TestDismissReview(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{})
	id := repo.AddReview(n, githubapi.Review{User: "bob", State: githubapi.ReviewApproved})
	repo.DismissReview(n, id)

	reviews, err := srv.Client().Reviews(t.Context(), "acme", "exceptions", n)
	require.NoError(t, err)
	require.Len(t, reviews, 1)
	assert.Equal(t, githubapi.ReviewDismissed, reviews[0].State)
}

// recorder stands in for *testing.T to observe what the server reports.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// finish runs the cleanups as the end of a test would, and returns the errors.
func (r *recorder) finish() []string {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errors
}

func TestUnhandledPathsFailTheTest(t *testing.T) {
	rec := &recorder{TB: t}
	srv := githubapitest.NewServer(rec)

	resp, _ := get(t, srv, http.MethodGet, "/repos/acme/exceptions/branches", "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, []string{"githubapitest: no handler for GET /repos/acme/exceptions/branches"}, rec.finish())
}

func TestExpectCall(t *testing.T) {
	t.Run("met", func(t *testing.T) {
		rec := &recorder{TB: t}
		srv := githubapitest.NewServer(rec)
		srv.ExpectCall("GET /orgs/acme/teams/*/memberships/*")
		get(t, srv, http.MethodGet, "/orgs/acme/teams/security/memberships/bob", "")
		assert.Empty(t, rec.finish())
	})
	t.Run("unmet", func(t *testing.T) {
		rec := &recorder{TB: t}
		srv := githubapitest.NewServer(rec)
		srv.ExpectCall("POST /repos/acme/exceptions/statuses/*")
		assert.Equal(t, []string{`githubapitest: expected a request matching "POST /repos/acme/exceptions/statuses/*", got none`}, rec.finish())
	})
}

func TestSetPRMovesTheHead(t *testing.T) {
	srv := githubapitest.NewServer(t)
	repo := srv.Repo("acme", "exceptions")
	n := repo.AddPR(githubapi.PR{HeadSHA: "1111111111111111111111111111111111111111"})
	pr := repo.PR(n)
	pr.HeadSHA = "2222222222222222222222222222222222222222"
	repo.SetPR(pr)

	got, err := srv.Client().PullRequest(t.Context(), "acme", "exceptions", n)
	require.NoError(t, err)
	pr.DefaultBranch = "main" // the repository's, which responses carry
	assert.Equal(t, pr, got)
}
