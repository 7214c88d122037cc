package githubapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDefaultJitterStaysWithinHalfAndWhole(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 2, time.Second, 30 * time.Second} {
		for range 100 {
			got := defaultJitter(d)
			assert.GreaterOrEqual(t, got, d/2)
			assert.LessOrEqual(t, got, d)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{value: "", wantOK: false},
		{value: "0", want: 0, wantOK: true},
		{value: "42", want: 42 * time.Second, wantOK: true},
		{value: now.Add(90 * time.Second).Format(http.TimeFormat), want: 90 * time.Second, wantOK: true},
		{value: now.Add(-time.Hour).Format(http.TimeFormat), want: 0, wantOK: true},
		{value: "soon", wantOK: false},
		{value: "-5", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			h := http.Header{}
			if tt.value != "" {
				h.Set("Retry-After", tt.value)
			}
			got, ok := retryAfter(h, now)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestBackoffIsCapped(t *testing.T) {
	tr := newTransport(nil, Options{Jitter: func(d time.Duration) time.Duration { return d }})
	var got []time.Duration
	for attempt := range 8 {
		got = append(got, tr.backoff(attempt))
	}
	s := time.Second
	assert.Equal(t, []time.Duration{1 * s, 2 * s, 4 * s, 8 * s, 16 * s, 30 * s, 30 * s, 30 * s}, got)
	assert.Equal(t, 30*s, tr.backoff(1000), "no overflow")
}

func TestTruncate(t *testing.T) {
	assert.Equal(t, "short", truncate("short", 140))
	assert.Equal(t, "abcd…", truncate("abcdefgh", 5))
	assert.Equal(t, "ééé…", truncate("éééééé", 4), "counts runes, not bytes")
}
