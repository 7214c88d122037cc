package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGCFor(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	tests := []struct {
		name      string
		records   int
		vars      map[string]string
		wantOK    bool
		wantLimit int64
	}{
		{"small run keeps the defaults", gcMinRecords - 1, nil, false, 0},
		{"a large run collects less often", 10_000, nil, true, gcLimitBase + 10_000*gcLimitRecord},
		{"the limit grows with the repository", 1_000_000, nil, true, gcLimitBase + 1_000_000*gcLimitRecord},
		{"GOGC set by the user wins", 10_000, map[string]string{"GOGC": "100"}, false, 0},
		{"GOMEMLIMIT set by the user wins", 10_000, map[string]string{"GOMEMLIMIT": "1GiB"}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			percent, limit, ok := GCFor(tt.records, env(tt.vars))
			assert.Equal(t, tt.wantOK, ok)
			if tt.wantOK {
				assert.Equal(t, gcPercent, percent)
				assert.Equal(t, tt.wantLimit, limit)
			}
		})
	}
	// 10,000 records must fit the 50 MB the validate benchmark allows,
	// with the binary's own pages on top.
	_, limit, _ := GCFor(10_000, env(nil))
	assert.Less(t, limit, int64(40<<20))
}
