// Package githubapitest is the GitHub every exctl test talks to: an httptest
// server that serves the REST paths go-github calls, with state (pull
// requests, files, commits, reviews, team memberships, statuses, comments,
// branches, labels), Link-header paging, fault injection (5xx, primary and
// secondary rate limits, stalls, down for good) and a request log.
//
// Response bodies are built from real GitHub responses kept in testdata/
// (see testdata/README.md), with the fields exctl reads replaced by the
// seeded state, so that what go-github decodes here is what it decodes from
// GitHub.
//
//	srv := githubapitest.NewServer(t)
//	repo := srv.Repo("acme", "exceptions")
//	n := repo.AddPR(githubapi.PR{Author: "alice", HeadSHA: "abc"})
//	repo.AddReview(n, githubapi.Review{User: "bob", State: githubapi.ReviewApproved})
//	srv.SetMembership("acme", "security", "bob", githubapi.MembershipActive)
//	client := srv.Client()
package githubapitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exctl/exctl/internal/githubapi"
)

// Token is the token Client and Options authenticate with.
const Token = "githubapitest-token"

// epoch is where the fake clock starts: a whole second, so that
// X-RateLimit-Reset (whole seconds) turns into exact waits.
func epoch() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

// Server is a fake GitHub REST API. Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's root, without a trailing slash.
	URL string

	t         testing.TB
	srv       *httptest.Server
	mux       *http.ServeMux
	templates map[string]map[string]any // real responses, decoded once

	mu       sync.Mutex
	now      time.Time
	viewer   string
	token    string
	repos    map[string]*repoState
	teams    map[string]map[string]githubapi.Membership // "org/slug" → login → membership
	ids      map[string]int64                           // stable IDs for users and labels
	nextID   int64
	faults   []*fault
	log      []Request
	expected []string
	slept    []time.Duration
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  string // raw query
	Header http.Header
	Body   []byte
	Status int // the status the server answered with
}

// String is "METHOD /path?query".
func (r Request) String() string {
	if r.Query == "" {
		return r.Method + " " + r.Path
	}
	return r.Method + " " + r.Path + "?" + r.Query
}

// NewServer starts a fake GitHub that is closed when the test ends. A request
// to a path the fake does not serve fails the test.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		t:         t,
		templates: loadTemplates(t),
		now:       epoch(),
		viewer:    "github-actions[bot]",
		repos:     map[string]*repoState{},
		teams:     map[string]map[string]githubapi.Membership{},
		ids:       map[string]int64{},
		nextID:    1000,
	}
	s.mux = http.NewServeMux()
	s.routes()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(func() {
		s.srv.Close()
		s.checkExpected()
	})
	return s
}

// Options returns client options pointed at the server: its HTTP client, Token,
// the fake clock, a Sleep that advances the fake clock and records the wait
// (see Slept) instead of sleeping, and no jitter. Tests adjust and pass them
// to githubapi.New.
func (s *Server) Options() githubapi.Options {
	return githubapi.Options{
		BaseURL:    s.URL + "/",
		Token:      Token,
		HTTPClient: s.srv.Client(),
		Sleep:      s.sleep,
		Now:        s.Now,
		Jitter:     func(d time.Duration) time.Duration { return d },
	}
}

// Client returns a githubapi.Client built from Options.
func (s *Server) Client() *githubapi.Client {
	s.t.Helper()
	c, err := githubapi.New(s.Options())
	if err != nil {
		s.t.Fatalf("githubapitest: new client: %v", err)
	}
	return c
}

// Now is the fake clock. It moves only when a client built from Options sleeps,
// or by Advance.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// Advance moves the fake clock forward.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(d)
}

// Slept returns the waits of clients built from Options, in order.
func (s *Server) Slept() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.slept...)
}

func (s *Server) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slept = append(s.slept, d)
	s.now = s.now.Add(d)
	return nil
}

// SetViewer sets the login of the authenticated user, who authors the
// comments, statuses and pull requests created through the API. The default is
// "github-actions[bot]", as for a GITHUB_TOKEN.
func (s *Server) SetViewer(login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.viewer = login
}

// RequireToken makes every request without "Authorization: Bearer token" fail
// with 401, as GitHub does for bad credentials. By default any token is accepted.
func (s *Server) RequireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// SetMembership makes user a member of team org/slug in state
// (githubapi.MembershipActive or MembershipPending), with role "member".
func (s *Server) SetMembership(org, slug, user, state string) {
	s.SetMembershipRole(org, slug, user, githubapi.Membership{State: state, Role: "member"})
}

// SetMembershipRole is SetMembership with a chosen role.
func (s *Server) SetMembershipRole(org, slug, user string, m githubapi.Membership) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := org + "/" + slug
	if s.teams[key] == nil {
		s.teams[key] = map[string]githubapi.Membership{}
	}
	s.teams[key][strings.ToLower(user)] = m
}

// RemoveMembership removes user from team org/slug: the API then answers 404.
func (s *Server) RemoveMembership(org, slug, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.teams[org+"/"+slug], strings.ToLower(user))
}

// Requests returns the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// RequestCount is the number of requests received.
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log)
}

// Count is the number of requests received that match pattern (see Inject).
func (s *Server) Count(pattern string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if match(pattern, r.Method, r.Path) {
			n++
		}
	}
	return n
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// ExpectCall fails the test at its end unless a request matching pattern
// (see Inject) was received: a stub that was never used is a test that
// checks less than it says.
func (s *Server) ExpectCall(pattern string) {
	s.t.Helper()
	mustPattern(s.t, pattern)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expected = append(s.expected, pattern)
}

func (s *Server) checkExpected() {
	s.mu.Lock()
	expected := append([]string(nil), s.expected...)
	s.mu.Unlock()
	for _, p := range expected {
		if s.Count(p) == 0 {
			s.t.Errorf("githubapitest: expected a request matching %q, got none", p)
		}
	}
}

// Fault is an injected answer.
type Fault struct {
	// Status is the HTTP status to answer with. 0 serves the request normally,
	// only adding Header: useful to report a spent quota on a success.
	Status int
	// Header is added to the answer.
	Header http.Header
	// Body is the answer's body; default a GitHub-style {"message": …}.
	Body string
	// Delay stalls the answer, or until the client gives up on the request.
	Delay time.Duration
	// AfterEffect handles the request before answering Status, as when a proxy
	// gives up on GitHub after GitHub did the work: the comment is posted, but
	// the client sees a 502.
	AfterEffect bool
}

// ServerError is a 5xx answer such as 502 or 503.
func ServerError(status int) Fault { return Fault{Status: status} }

// PrimaryRateLimit is GitHub's answer when the hourly quota is spent: 403 with
// X-RateLimit-Remaining: 0 and X-RateLimit-Reset. Set Status to 429 for the
// other form GitHub uses.
func PrimaryRateLimit(reset time.Time) Fault {
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Used", "5000")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	return Fault{
		Status: http.StatusForbidden,
		Header: h,
		Body:   `{"message":"API rate limit exceeded for installation ID 1.","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}`,
	}
}

// SecondaryRateLimit is GitHub's answer to too many requests at once: 403 with
// Retry-After and the secondary-rate-limit documentation URL. Set Status to
// 429 for the other form GitHub uses.
func SecondaryRateLimit(retryAfter time.Duration) Fault {
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
	return Fault{
		Status: http.StatusForbidden,
		Header: h,
		Body:   `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`,
	}
}

type fault struct {
	pattern string
	left    int // < 0: forever
	Fault
}

// Inject makes the next n requests matching pattern get f (n < 0: every one
// from now on). Faults apply in the order they were injected.
//
// A pattern is "[METHOD ]/path/glob", matched with path.Match against the
// request path, so "*" stands for one segment: "GET /repos/*/*/pulls/*/reviews",
// "/orgs/acme/teams/*/memberships/*". The empty pattern matches every request.
func (s *Server) Inject(pattern string, n int, f Fault) {
	s.t.Helper()
	mustPattern(s.t, pattern)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{pattern: pattern, left: n, Fault: f})
}

// FailNext makes the next n requests matching pattern answer status.
func (s *Server) FailNext(pattern string, status, n int) {
	s.t.Helper()
	s.Inject(pattern, n, ServerError(status))
}

// Down makes every request from now on answer 503, as an outage would.
func (s *Server) Down() {
	s.t.Helper()
	s.Inject("", -1, ServerError(http.StatusServiceUnavailable))
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func mustPattern(t testing.TB, pattern string) {
	t.Helper()
	_, p, ok := strings.Cut(pattern, " ")
	if !ok {
		p = pattern
	}
	if _, err := path.Match(p, ""); err != nil {
		t.Fatalf("githubapitest: bad pattern %q: %v", pattern, err)
	}
}

func match(pattern, method, p string) bool {
	if pattern == "" {
		return true
	}
	if m, rest, ok := strings.Cut(pattern, " "); ok {
		if m != method {
			return false
		}
		pattern = rest
	}
	ok, _ := path.Match(pattern, p)
	return ok
}

// takeFault consumes and returns the first fault that applies to r.
func (s *Server) takeFault(method, p string) (Fault, bool) {
	for i, f := range s.faults {
		if f.left == 0 || !match(f.pattern, method, p) {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return f.Fault, true
	}
	return Fault{}, false
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: w}

	s.mu.Lock()
	i := len(s.log)
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	f, faulty := s.takeFault(r.Method, r.URL.Path)
	token, now := s.token, s.now
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.log[i].Status = sw.status
		s.mu.Unlock()
	}()

	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", "4999")
	h.Set("X-RateLimit-Used", "1")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(time.Hour).Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")

	if faulty {
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		for k, vs := range f.Header {
			h[k] = append([]string(nil), vs...)
		}
		if f.Status != 0 {
			if f.AfterEffect {
				s.mux.ServeHTTP(httptest.NewRecorder(), r)
			}
			sw.WriteHeader(f.Status)
			if f.Body != "" {
				io.WriteString(sw, f.Body)
			} else {
				fmt.Fprintf(sw, `{"message":%q,"documentation_url":"https://docs.github.com/rest"}`, http.StatusText(f.Status))
			}
			return
		}
	}
	if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
		writeError(sw, http.StatusUnauthorized, "Bad credentials")
		return
	}
	s.mux.ServeHTTP(sw, r)
}
