package githubapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-github/v60/github"
)

// The retries live in an http.RoundTripper under go-github rather than around
// each call, for two reasons:
//
//   - one place sees every attempt, so Requests counts what really went on the
//     wire and every endpoint, paged or not, gets the same policy;
//   - go-github v60 remembers an exhausted primary quota (Remaining 0 with a
//     future Reset) and from then on answers *RateLimitError itself, without
//     sending anything, until its wall clock passes the reset. With an injected
//     clock and sleep that would make "wait for the reset, then retry" a retry
//     that never reaches the server. So the transport owns rate limiting: it
//     waits the quota out itself and hides the exhausted-quota headers from
//     go-github (see hideSpentQuota), which therefore never short-circuits.

const (
	headerRemaining  = "X-RateLimit-Remaining"
	headerReset      = "X-RateLimit-Reset"
	headerRetryAfter = "Retry-After"

	backoffBase = time.Second
	backoffCap  = 30 * time.Second
	// secondaryDefaultWait is GitHub's advice for a secondary rate limit that
	// comes without Retry-After: wait at least a minute.
	secondaryDefaultWait = time.Minute
	// maxErrorBody bounds how much of an error response is read.
	maxErrorBody = 1 << 20
)

// retrySafeKey marks a POST as safe to repeat after a 5xx (creating the same
// commit status or adding the same labels twice changes nothing).
type retrySafeKey struct{}

func retrySafe(ctx context.Context) context.Context {
	return context.WithValue(ctx, retrySafeKey{}, true)
}

type transport struct {
	base           http.RoundTripper
	maxRetries     int
	maxWait        time.Duration
	attemptTimeout time.Duration
	sleep          func(ctx context.Context, d time.Duration) error
	now            func() time.Time
	jitter         func(d time.Duration) time.Duration

	requests atomic.Int64

	mu sync.Mutex
	// spentUntil is when the primary quota, last seen at zero, resets.
	spentUntil time.Time
}

func newTransport(base http.RoundTripper, opts Options) *transport {
	t := &transport{
		base:           base,
		maxRetries:     opts.MaxRetries,
		maxWait:        opts.MaxWait,
		attemptTimeout: opts.AttemptTimeout,
		sleep:          opts.Sleep,
		now:            opts.Now,
		jitter:         opts.Jitter,
	}
	if t.base == nil {
		t.base = http.DefaultTransport
	}
	switch {
	case t.maxRetries == 0:
		t.maxRetries = defaultMaxRetries
	case t.maxRetries < 0:
		t.maxRetries = 0
	}
	switch {
	case t.maxWait == 0:
		t.maxWait = defaultMaxWait
	case t.maxWait < 0:
		t.maxWait = 0
	}
	if t.attemptTimeout <= 0 {
		t.attemptTimeout = defaultAttemptTimeout
	}
	if t.sleep == nil {
		t.sleep = defaultSleep
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.jitter == nil {
		t.jitter = defaultJitter
	}
	return t
}

// outcome is what one attempt's answer means for the retry loop.
type outcome int

const (
	final     outcome = iota // hand the response to go-github as it is
	primary                  // primary rate limit: wait for X-RateLimit-Reset
	secondary                // secondary rate limit: wait Retry-After
	server                   // 5xx: back off
)

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.Body != nil {
		// Each attempt sends a fresh copy from GetBody; the original is closed
		// here because a RoundTripper must always close it.
		defer req.Body.Close()
	}
	replayable := req.Body == nil || req.GetBody != nil
	// A 5xx on a POST may come after the change was made; repeating it could,
	// for instance, post a second comment. Rate-limit answers are safe to repeat
	// for every method: GitHub refused the request before doing anything.
	repeatOn5xx := replayable && (idempotent(req.Method) || ctx.Value(retrySafeKey{}) != nil)

	budget := t.maxWait
	for attempt := 0; ; attempt++ {
		if err := t.awaitQuota(ctx, &budget); err != nil {
			return nil, err
		}
		resp, err := t.send(req)
		var (
			kind  outcome
			wait  time.Duration
			cause error
		)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if !repeatOn5xx {
				return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
			}
			kind, wait, cause = server, t.backoff(attempt), err
		} else {
			t.observe(resp)
			kind, wait, cause = t.classify(resp, attempt)
			if kind == final || kind == server && !repeatOn5xx || !replayable {
				hideSpentQuota(resp)
				return resp, nil
			}
			// Drain so the connection can be reused.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
			resp.Body.Close()
		}

		sentinel := ErrUnavailable
		if kind == primary || kind == secondary {
			sentinel = ErrRateLimited
		}
		if attempt >= t.maxRetries {
			return nil, fmt.Errorf("give up after %d attempts: %w: %w", attempt+1, sentinel, cause)
		}
		if wait > budget {
			// Sleeping would not end in an answer within the budget: say so now.
			return nil, fmt.Errorf("retry in %s: beyond the %s left of the retry budget: %w: %w", wait, budget, sentinel, cause)
		}
		if wait > 0 {
			if err := t.sleep(ctx, wait); err != nil {
				return nil, err
			}
			budget -= wait
		}
	}
}

// send makes one attempt, bounded by attemptTimeout.
func (t *transport) send(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.attemptTimeout)
	r := req.Clone(ctx)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			cancel()
			return nil, fmt.Errorf("rewind request body: %w", err)
		}
		r.Body = body
	}
	t.requests.Add(1)
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.Request == nil {
		// go-github's error messages dereference Response.Request.
		resp.Request = r
	}
	// The attempt's context must live until the body is read.
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// classify says whether resp is worth another attempt, and after how long.
// It uses go-github's own classification (github.CheckResponse), plus the
// headers for the 429 answers and Retry-After-bearing 403s that go-github v60
// reports as a plain *github.ErrorResponse.
func (t *transport) classify(resp *http.Response, attempt int) (outcome, time.Duration, error) {
	if resp.StatusCode < 400 {
		return final, 0, nil
	}
	// Buffer the body so that it can be both inspected and handed on.
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	err := github.CheckResponse(resp)
	resp.Body = io.NopCloser(bytes.NewReader(data))

	var (
		rle *github.RateLimitError
		are *github.AbuseRateLimitError
		er  *github.ErrorResponse
	)
	switch {
	case errors.As(err, &rle):
		return primary, t.untilReset(rle.Rate.Reset.Time, attempt), err
	case errors.As(err, &are):
		if are.RetryAfter != nil && *are.RetryAfter > 0 {
			return secondary, *are.RetryAfter, err
		}
		return secondary, max(secondaryDefaultWait, t.backoff(attempt)), err
	case errors.As(err, &er):
		code := resp.StatusCode
		if code == http.StatusForbidden || code == http.StatusTooManyRequests {
			if d, ok := retryAfter(resp.Header, t.now()); ok {
				return secondary, d, err
			}
			if resp.Header.Get(headerRemaining) == "0" {
				reset, _ := resetTime(resp.Header)
				return primary, t.untilReset(reset, attempt), err
			}
			if code == http.StatusTooManyRequests {
				return secondary, max(secondaryDefaultWait, t.backoff(attempt)), err
			}
			return final, 0, err // a plain 403: no permission
		}
		if code >= 500 {
			return server, t.backoff(attempt), err
		}
	}
	return final, 0, err
}

// untilReset is the wait for a primary rate limit. A reset known to be in the
// future is waited for by awaitQuota (observe has recorded it), so nothing
// more is waited here; a missing or past reset (clock skew) gets a backoff.
func (t *transport) untilReset(reset time.Time, attempt int) time.Duration {
	if reset.After(t.now()) {
		return 0
	}
	return t.backoff(attempt)
}

// observe records an exhausted primary quota from any answer, success included:
// the next request would only be refused.
func (t *transport) observe(resp *http.Response) {
	remaining := resp.Header.Get(headerRemaining)
	if remaining == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if remaining != "0" {
		t.spentUntil = time.Time{}
		return
	}
	if reset, ok := resetTime(resp.Header); ok && reset.After(t.now()) {
		t.spentUntil = reset
	}
}

// awaitQuota waits until a spent primary quota resets, or fails at once with
// ErrRateLimited when the reset is beyond the remaining budget.
func (t *transport) awaitQuota(ctx context.Context, budget *time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	until := t.spentUntil
	t.mu.Unlock()
	if until.IsZero() {
		return nil
	}
	wait := until.Sub(t.now())
	if wait <= 0 {
		return nil
	}
	if wait > *budget {
		return fmt.Errorf("wait for rate limit reset at %s: %s is beyond the %s left of the retry budget: %w",
			until.UTC().Format(time.RFC3339), wait, *budget, ErrRateLimited)
	}
	if err := t.sleep(ctx, wait); err != nil {
		return err
	}
	*budget -= wait
	t.mu.Lock()
	// The quota has reset; forget it unless a concurrent answer saw a newer reset.
	if t.spentUntil.Equal(until) {
		t.spentUntil = time.Time{}
	}
	t.mu.Unlock()
	return nil
}

// backoff is the delay before retry number attempt+1: 1s, 2s, 4s, … capped, jittered.
func (t *transport) backoff(attempt int) time.Duration {
	d := backoffBase << min(attempt, 16)
	return t.jitter(min(d, backoffCap))
}

// hideSpentQuota removes the reset time from an answer that reports a spent
// quota, so that go-github does not remember it and refuse later requests
// locally; awaitQuota has already recorded it and does the waiting.
func hideSpentQuota(resp *http.Response) {
	if resp.Header.Get(headerRemaining) == "0" {
		resp.Header.Del(headerReset)
	}
}

func resetTime(h http.Header) (time.Time, bool) {
	v, err := strconv.ParseInt(h.Get(headerReset), 10, 64)
	if err != nil || v <= 0 {
		return time.Time{}, false
	}
	return time.Unix(v, 0), true
}

// retryAfter reads Retry-After, which GitHub sends in seconds; the HTTP-date
// form is accepted too.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get(headerRetryAfter)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}
