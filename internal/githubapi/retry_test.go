package githubapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/githubapi"
	"github.com/exctl/exctl/internal/githubapi/githubapitest"
)

// clock is a fake clock that starts at the real time, so that a reset it puts
// "30s from now" is in the future for go-github's own wall-clock rate-limit
// memory too; that is the trap the transport must step around. Sleeping
// advances it at once.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newClock() *clock { return &clock{now: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

func rateHeaders(remaining string, reset time.Time) http.Header {
	h := http.Header{}
	h.Set("X-RateLimit-Remaining", remaining)
	h.Set("X-RateLimit-Reset", itoa(reset.Unix()))
	return h
}

const prPath = "GET /repos/acme/exceptions/pulls/1"

func TestRetries(t *testing.T) {
	s := time.Second
	tests := []struct {
		name string
		// inject sets up faults; now is the test clock's current time.
		inject       func(srv *githubapitest.Server, now time.Time)
		opts         func(o *githubapi.Options)
		calls        int // how many times PullRequest is called; default 1
		wantErr      error
		wantRequests int
		wantSlept    []time.Duration
	}{
		{
			name:         "502 then success",
			inject:       func(srv *githubapitest.Server, _ time.Time) { srv.FailNext(prPath, http.StatusBadGateway, 1) },
			wantRequests: 2,
			wantSlept:    []time.Duration{1 * s},
		},
		{
			name:         "500, 502, 503, 504 then success backs off exponentially",
			inject:       fiveXX(500, 502, 503, 504),
			wantRequests: 5,
			wantSlept:    []time.Duration{1 * s, 2 * s, 4 * s, 8 * s},
		},
		{
			name:         "down for good gives up after bounded attempts",
			inject:       func(srv *githubapitest.Server, _ time.Time) { srv.Down() },
			wantErr:      githubapi.ErrUnavailable,
			wantRequests: 5,
			wantSlept:    []time.Duration{1 * s, 2 * s, 4 * s, 8 * s},
		},
		{
			name:         "down for good with MaxRetries 2",
			inject:       func(srv *githubapitest.Server, _ time.Time) { srv.Down() },
			opts:         func(o *githubapi.Options) { o.MaxRetries = 2 },
			wantErr:      githubapi.ErrUnavailable,
			wantRequests: 3,
			wantSlept:    []time.Duration{1 * s, 2 * s},
		},
		{
			name:         "down for good with retries disabled",
			inject:       func(srv *githubapitest.Server, _ time.Time) { srv.Down() },
			opts:         func(o *githubapi.Options) { o.MaxRetries = -1 },
			wantErr:      githubapi.ErrUnavailable,
			wantRequests: 1,
		},
		{
			name:         "backoff beyond the budget gives up early",
			inject:       func(srv *githubapitest.Server, _ time.Time) { srv.Down() },
			opts:         func(o *githubapi.Options) { o.MaxWait = 5 * s },
			wantErr:      githubapi.ErrUnavailable,
			wantRequests: 3, // waits 1s and 2s; 4s more would pass 5s
			wantSlept:    []time.Duration{1 * s, 2 * s},
		},
		{
			name: "primary rate limit (403) waits for the reset, then sends again",
			inject: func(srv *githubapitest.Server, now time.Time) {
				srv.Inject(prPath, 1, githubapitest.PrimaryRateLimit(now.Add(30*s)))
			},
			wantRequests: 2,
			wantSlept:    []time.Duration{30 * s},
		},
		{
			name: "primary rate limit (429) waits for the reset",
			inject: func(srv *githubapitest.Server, now time.Time) {
				f := githubapitest.PrimaryRateLimit(now.Add(45 * s))
				f.Status = http.StatusTooManyRequests
				srv.Inject(prPath, 1, f)
			},
			wantRequests: 2,
			wantSlept:    []time.Duration{45 * s},
		},
		{
			name: "primary rate limit resetting beyond the budget fails at once",
			inject: func(srv *githubapitest.Server, now time.Time) {
				srv.Inject(prPath, 1, githubapitest.PrimaryRateLimit(now.Add(time.Hour)))
			},
			wantErr:      githubapi.ErrRateLimited,
			wantRequests: 1,
		},
		{
			name: "primary rate limit with a reset already past backs off",
			inject: func(srv *githubapitest.Server, now time.Time) {
				srv.Inject(prPath, 1, githubapitest.PrimaryRateLimit(now.Add(-time.Minute)))
			},
			wantRequests: 2,
			wantSlept:    []time.Duration{1 * s},
		},
		{
			name: "primary rate limit that never lifts gives up with ErrRateLimited",
			inject: func(srv *githubapitest.Server, now time.Time) {
				srv.Inject(prPath, -1, githubapitest.PrimaryRateLimit(now.Add(-time.Minute)))
			},
			wantErr:      githubapi.ErrRateLimited,
			wantRequests: 5,
			wantSlept:    []time.Duration{1 * s, 2 * s, 4 * s, 8 * s},
		},
		{
			name: "secondary rate limit (403) waits Retry-After",
			inject: func(srv *githubapitest.Server, _ time.Time) {
				srv.Inject(prPath, 1, githubapitest.SecondaryRateLimit(7*s))
			},
			wantRequests: 2,
			wantSlept:    []time.Duration{7 * s},
		},
		{
			name: "secondary rate limit (429) waits Retry-After",
			inject: func(srv *githubapitest.Server, _ time.Time) {
				f := githubapitest.SecondaryRateLimit(3 * s)
				f.Status = http.StatusTooManyRequests
				srv.Inject(prPath, 2, f)
			},
			wantRequests: 3,
			wantSlept:    []time.Duration{3 * s, 3 * s},
		},
		{
			name: "secondary rate limit beyond the budget fails at once",
			inject: func(srv *githubapitest.Server, _ time.Time) {
				srv.Inject(prPath, 1, githubapitest.SecondaryRateLimit(2*time.Minute))
			},
			wantErr:      githubapi.ErrRateLimited,
			wantRequests: 1,
		},
		{
			name: "waits add up against the budget",
			inject: func(srv *githubapitest.Server, _ time.Time) {
				srv.Inject(prPath, 2, githubapitest.SecondaryRateLimit(40*s))
			},
			wantErr:      githubapi.ErrRateLimited,
			wantRequests: 2, // 40s fits in 60s, a second 40s does not
			wantSlept:    []time.Duration{40 * s},
		},
		{
			// The last request of the quota succeeds with Remaining: 0. go-github
			// would remember that and refuse the next call itself until its wall
			// clock passes the reset; the client waits the reset out instead and
			// really sends the next request.
			name: "quota spent on a success: the next call waits for the reset and is sent",
			inject: func(srv *githubapitest.Server, now time.Time) {
				srv.Inject(prPath, 1, githubapitest.Fault{Header: rateHeaders("0", now.Add(20*s))})
			},
			calls:        2,
			wantRequests: 2,
			wantSlept:    []time.Duration{20 * s},
		},
		{
			name: "quota spent on a success with a reset beyond the budget: the next call fails without a request",
			inject: func(srv *githubapitest.Server, now time.Time) {
				srv.Inject(prPath, 1, githubapitest.Fault{Header: rateHeaders("0", now.Add(time.Hour))})
			},
			calls:        2,
			wantErr:      githubapi.ErrRateLimited,
			wantRequests: 1,
		},
		{
			name: "a plain 403 is an answer, not retried",
			inject: func(srv *githubapitest.Server, _ time.Time) {
				srv.FailNext(prPath, http.StatusForbidden, 1)
			},
			wantErr:      errAny,
			wantRequests: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubapitest.NewServer(t)
			srv.Repo("acme", "exceptions").AddPR(githubapi.PR{Number: 1})
			clk := newClock()
			tt.inject(srv, clk.Now())
			opts := srv.Options()
			opts.Now, opts.Sleep = clk.Now, clk.Sleep
			if tt.opts != nil {
				tt.opts(&opts)
			}
			c, err := githubapi.New(opts)
			require.NoError(t, err)

			calls := max(tt.calls, 1)
			for i := range calls {
				pr, err := c.PullRequest(context.Background(), "acme", "exceptions", 1)
				if i < calls-1 || tt.wantErr == nil {
					require.NoError(t, err)
					assert.Equal(t, 1, pr.Number)
					continue
				}
				require.Error(t, err)
				if tt.wantErr != errAny {
					assert.ErrorIs(t, err, tt.wantErr)
				}
				for _, other := range []error{githubapi.ErrNotFound, githubapi.ErrRateLimited, githubapi.ErrUnavailable} {
					if other != tt.wantErr {
						assert.NotErrorIs(t, err, other)
					}
				}
			}
			assert.Equal(t, tt.wantRequests, srv.RequestCount(), "requests received")
			assert.Equal(t, tt.wantRequests, c.Requests(), "requests counted")
			assert.Equal(t, tt.wantSlept, clk.Slept(), "waits")
		})
	}
}

// errAny stands for "some error, none of the sentinels".
var errAny = errors.New("any error")

func fiveXX(codes ...int) func(*githubapitest.Server, time.Time) {
	return func(srv *githubapitest.Server, _ time.Time) {
		for _, code := range codes {
			srv.FailNext(prPath, code, 1)
		}
	}
}

func TestRetryPolicyByMethod(t *testing.T) {
	tests := []struct {
		name         string
		pattern      string
		call         func(ctx context.Context, c *githubapi.Client, commentID int64) error
		wantErr      error
		wantRequests int
	}{
		{
			name:    "a comment is not posted again after a 5xx",
			pattern: "POST /repos/acme/exceptions/issues/1/comments",
			call: func(ctx context.Context, c *githubapi.Client, commentID int64) error {
				_, err := c.CreateIssueComment(ctx, "acme", "exceptions", 1, "hi")
				return err
			},
			wantErr:      githubapi.ErrUnavailable,
			wantRequests: 1,
		},
		{
			name:    "a pull request is not opened again after a 5xx",
			pattern: "POST /repos/acme/exceptions/pulls",
			call: func(ctx context.Context, c *githubapi.Client, commentID int64) error {
				_, err := c.CreatePullRequest(ctx, "acme", "exceptions", githubapi.NewPR{Title: "t", Head: "expire", Base: "main"})
				return err
			},
			wantErr:      githubapi.ErrUnavailable,
			wantRequests: 1,
		},
		{
			name:    "a commit status is posted again after a 5xx",
			pattern: "POST /repos/acme/exceptions/statuses/*",
			call: func(ctx context.Context, c *githubapi.Client, commentID int64) error {
				return c.CreateStatus(ctx, "acme", "exceptions", "abc", githubapi.Status{State: githubapi.StatusSuccess, Context: "exctl/approvals"})
			},
			wantRequests: 2,
		},
		{
			name:    "labels are added again after a 5xx",
			pattern: "POST /repos/acme/exceptions/issues/1/labels",
			call: func(ctx context.Context, c *githubapi.Client, commentID int64) error {
				return c.AddLabels(ctx, "acme", "exceptions", 1, "expired")
			},
			wantRequests: 2,
		},
		{
			name:    "a comment is edited again after a 5xx",
			pattern: "PATCH /repos/acme/exceptions/issues/comments/*",
			call: func(ctx context.Context, c *githubapi.Client, commentID int64) error {
				_, err := c.EditIssueComment(ctx, "acme", "exceptions", commentID, "new")
				return err
			},
			wantRequests: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubapitest.NewServer(t)
			repo := srv.Repo("acme", "exceptions")
			repo.AddPR(githubapi.PR{Number: 1})
			repo.AddBranch("main", "1111111111111111111111111111111111111111")
			repo.AddBranch("expire", "2222222222222222222222222222222222222222")
			id := repo.AddComment(1, "github-actions[bot]", "old")
			srv.FailNext(tt.pattern, http.StatusBadGateway, 1)
			c := srv.Client()

			err := tt.call(context.Background(), c, id)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tt.wantRequests, srv.Count(tt.pattern))
		})
	}
}

func TestRetryNetworkErrors(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close() // connection refused from now on
	clk := newClock()
	c, err := githubapi.New(githubapi.Options{BaseURL: dead.URL, Sleep: clk.Sleep, Now: clk.Now, Jitter: identity})
	require.NoError(t, err)

	_, err = c.PullRequest(context.Background(), "acme", "exceptions", 1)
	assert.ErrorIs(t, err, githubapi.ErrUnavailable)
	assert.Equal(t, 5, c.Requests())
	assert.Len(t, clk.Slept(), 4)
}

func TestAttemptTimeoutRetriesAStalledRequest(t *testing.T) {
	srv := githubapitest.NewServer(t)
	srv.Repo("acme", "exceptions").AddPR(githubapi.PR{Number: 1})
	srv.Inject(prPath, 1, githubapitest.Fault{Delay: time.Minute})
	opts := srv.Options()
	opts.AttemptTimeout = time.Second
	c, err := githubapi.New(opts)
	require.NoError(t, err)

	start := time.Now()
	pr, err := c.PullRequest(context.Background(), "acme", "exceptions", 1)
	require.NoError(t, err)
	assert.Equal(t, 1, pr.Number)
	assert.Equal(t, 2, c.Requests())
	assert.Less(t, time.Since(start), 30*time.Second, "the stalled attempt was abandoned")
}

func TestContextCancellation(t *testing.T) {
	t.Run("cancelled while waiting to retry", func(t *testing.T) {
		srv := githubapitest.NewServer(t)
		srv.Down()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		opts := srv.Options()
		opts.Sleep = func(ctx context.Context, d time.Duration) error {
			cancel()
			<-ctx.Done()
			return ctx.Err()
		}
		c, err := githubapi.New(opts)
		require.NoError(t, err)

		_, err = c.Reviews(ctx, "acme", "exceptions", 1)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, srv.RequestCount())
	})
	t.Run("cancelled before the call sends nothing", func(t *testing.T) {
		srv := githubapitest.NewServer(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()

		_, err := srv.Client().TeamMembership(ctx, "acme", "security", "bob")
		assert.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, githubapi.ErrNotFound)
		assert.Equal(t, 0, srv.RequestCount())
	})
	t.Run("deadline during the real backoff sleep", func(t *testing.T) {
		srv := githubapitest.NewServer(t)
		srv.Down()
		opts := srv.Options()
		opts.Sleep = nil // the real timer
		c, err := githubapi.New(opts)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()

		start := time.Now()
		_, err = c.PullRequest(ctx, "acme", "exceptions", 1)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 5*time.Second)
	})
}

func identity(d time.Duration) time.Duration { return d }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
