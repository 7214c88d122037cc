package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGCFor(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	kept := keptBytes(keepFindings)
	tests := []struct {
		name      string
		records   int
		vars      map[string]string
		wantOK    bool
		wantLimit int64
	}{
		{"small run keeps the defaults", gcMinRecords - 1, nil, false, 0},
		{"a large run collects less often", 10_000, nil, true, gcLimitBase + 2*10_000*kept},
		{"the limit grows with the repository", 1_000_000, nil, true, gcLimitBase + 2*1_000_000*kept},
		{"GOGC set by the user wins", 10_000, map[string]string{"GOGC": "100"}, false, 0},
		{"GOMEMLIMIT set by the user wins", 10_000, map[string]string{"GOMEMLIMIT": "1GiB"}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			percent, limit, ok := GCFor(tt.records, kept, env(tt.vars))
			assert.Equal(t, tt.wantOK, ok)
			if tt.wantOK {
				assert.Equal(t, gcPercent, percent)
				assert.Equal(t, tt.wantLimit, limit)
			}
		})
	}
	// 10,000 records validated must fit the 50 MB the validate benchmark
	// allows, with the binary's own pages on top.
	_, limit, _ := GCFor(10_000, kept, env(nil))
	assert.Less(t, limit, int64(40<<20))
}

// A run that keeps every record (list, gate, export) holds about 2.7 KB of
// each: 27 MB for 10,000 records. A limit sized for validate left the
// collector running back to back at that live heap; each record must get
// at least twice what it keeps on top of the base.
func TestGCForLeavesRoomForWhatIsKept(t *testing.T) {
	const measuredKept = 2700 // bytes a record, list on the 10,000-record benchmark corpus
	for _, n := range []int{gcMinRecords, 10_000, 100_000} {
		_, limit, ok := GCFor(n, keptBytes(keepRecords), func(string) string { return "" })
		assert.True(t, ok)
		assert.GreaterOrEqual(t, limit, int64(gcLimitBase)+2*int64(n)*measuredKept, "%d records", n)
	}
	assert.Greater(t, keptBytes(keepDocuments), keptBytes(keepRecords))
}
