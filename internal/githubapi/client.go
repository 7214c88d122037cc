package githubapi

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// Sentinel errors. Every error a Client returns that matches one of them wraps
// it, so callers can branch with errors.Is and never on message text.
var (
	// ErrNotFound: GitHub answered 404. For TeamMembership it means "not a member".
	ErrNotFound = errors.New("not found")
	// ErrRateLimited: a rate limit was still in force when the retry budget ran out,
	// or it resets later than the budget allows.
	ErrRateLimited = errors.New("github api rate limit exceeded")
	// ErrUnavailable: GitHub answered 5xx or could not be reached, and retries did not help.
	ErrUnavailable = errors.New("github api unavailable")
)

// DefaultBaseURL is the public GitHub REST endpoint.
const DefaultBaseURL = "https://api.github.com/"

const (
	defaultMaxRetries     = 4
	defaultMaxWait        = 60 * time.Second
	defaultAttemptTimeout = 30 * time.Second
	defaultUserAgent      = "exctl"
	perPage               = 100
	// maxPages bounds a list so that a server that keeps answering "next" cannot
	// keep a run alive forever: 1000 pages of 100 is far beyond any real PR.
	maxPages = 1000
)

// Options configure a Client. The zero value talks to api.github.com without a token.
type Options struct {
	// BaseURL is the REST API root, as in GITHUB_API_URL (e.g.
	// https://ghe.example.com/api/v3). Default DefaultBaseURL.
	BaseURL string
	// Token is sent as "Authorization: Bearer <token>": a GITHUB_TOKEN, a
	// personal access token or a GitHub App installation token.
	Token string
	// HTTPClient carries the requests; default a new http.Client. Its Timeout,
	// if set, bounds a whole call including retries; AttemptTimeout bounds one attempt.
	HTTPClient *http.Client
	UserAgent  string

	// MaxRetries is how many times one request is retried (so at most
	// MaxRetries+1 attempts). Default 4; negative disables retries.
	MaxRetries int
	// MaxWait is the total time one request may spend waiting between attempts
	// (backoff and rate-limit waits together). Default 60s; negative means never wait.
	MaxWait time.Duration
	// AttemptTimeout bounds a single attempt, so a hung connection is retried
	// rather than hanging the run. Default 30s.
	AttemptTimeout time.Duration

	// Sleep waits for d or until ctx is done. Default a timer; tests inject a
	// fake that records the waits and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used to turn X-RateLimit-Reset into a wait. Default time.Now.
	Now func() time.Time
	// Jitter spreads a backoff delay d so that many clients do not retry in
	// step. Default: uniformly in [d/2, d]. Tests pass an identity function.
	Jitter func(d time.Duration) time.Duration
}

// Client is a GitHub REST client. It is safe for concurrent use.
type Client struct {
	gh *github.Client
	rt *transport
}

// New returns a Client for opts.
func New(opts Options) (*Client, error) {
	base := opts.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	// go-github resolves relative paths against BaseURL, which silently drops the
	// last segment (e.g. "/api/v3") unless the URL ends in a slash.
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("parse base url %q: %w", opts.BaseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("parse base url %q: want an http(s) url with a host", opts.BaseURL)
	}

	hc := &http.Client{}
	if opts.HTTPClient != nil {
		c := *opts.HTTPClient
		hc = &c
	}
	rt := newTransport(hc.Transport, opts)
	hc.Transport = rt

	gh := github.NewClient(hc)
	if opts.Token != "" {
		gh = gh.WithAuthToken(opts.Token)
	}
	gh.BaseURL = u
	gh.UserAgent = opts.UserAgent
	if gh.UserAgent == "" {
		gh.UserAgent = defaultUserAgent
	}
	return &Client{gh: gh, rt: rt}, nil
}

// Requests returns the number of HTTP requests sent so far, retries included.
func (c *Client) Requests() int { return int(c.rt.requests.Load()) }

// Marker returns the hidden HTML comment that identifies the sticky comment
// named name, e.g. Marker("approvals") is "<!-- exctl:approvals -->".
func Marker(name string) string { return "<!-- exctl:" + name + " -->" }

func defaultSleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// defaultJitter is "equal jitter": half the delay is kept so that backoff still
// grows, the other half is random so that clients spread out.
func defaultJitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// wrap adds what was being done to err and attaches the sentinel that tells
// callers what kind of failure it was.
func wrap(err error, format string, args ...any) error {
	op := fmt.Sprintf(format, args...)
	var ue *url.Error
	if errors.As(err, &ue) && (errors.Is(ue.Err, ErrRateLimited) || errors.Is(ue.Err, ErrUnavailable)) {
		// The transport's own error already names the request; net/http's
		// "Get <url>:" around it would say it twice.
		err = ue.Err
	}
	var (
		rle *github.RateLimitError
		are *github.AbuseRateLimitError
		er  *github.ErrorResponse
	)
	switch {
	case errors.Is(err, ErrRateLimited), errors.Is(err, ErrUnavailable), errors.Is(err, ErrNotFound),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", op, err)
	case errors.As(err, &rle), errors.As(err, &are):
		// Only reachable if go-github answers from its own rate-limit memory;
		// the transport normally hides that memory from it.
		return fmt.Errorf("%s: %w: %w", op, ErrRateLimited, err)
	case errors.As(err, &er) && er.Response != nil:
		switch code := er.Response.StatusCode; {
		case code == http.StatusNotFound:
			return fmt.Errorf("%s: %w: %w", op, ErrNotFound, err)
		case code == http.StatusTooManyRequests:
			return fmt.Errorf("%s: %w: %w", op, ErrRateLimited, err)
		case code >= 500:
			return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
		}
	}
	if errors.As(err, &ue) {
		// A transport failure that was not retried (an unsafe POST): GitHub did
		// not answer, which is "unavailable", not "no".
		return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// list reads every page of a list endpoint.
func list[T any](ctx context.Context, fetch func(ctx context.Context, opts github.ListOptions) ([]T, *github.Response, error)) ([]T, error) {
	var all []T
	opts := github.ListOptions{PerPage: perPage}
	for range maxPages {
		items, resp, err := fetch(ctx, opts)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if resp == nil || resp.NextPage == 0 {
			return all, nil
		}
		// A "next" that does not move forward would loop forever.
		if resp.NextPage <= opts.Page {
			return nil, fmt.Errorf("read page %d: next page %d does not advance", opts.Page, resp.NextPage)
		}
		opts.Page = resp.NextPage
	}
	return nil, fmt.Errorf("read pages: more than %d pages", maxPages)
}
