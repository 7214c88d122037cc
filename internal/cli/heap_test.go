package cli

import (
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestHeapBudget(t *testing.T) {
	type call struct {
		percent int
		limit   int64
	}
	budget := func(live int64) (*heapBudget, *[]call) {
		var calls []call
		return &heapBudget{
			apply:  func(p int, l int64) { calls = append(calls, call{p, l}) },
			getenv: func(string) string { return "" },
			live:   func() int64 { return live },
		}, &calls
	}
	_, tuned, _ := GCFor(10_000, keptBytes(keepFindings), func(string) string { return "" })
	defaults := call{100, math.MaxInt64}

	t.Run("many small records: tuned while parsing, defaults after", func(t *testing.T) {
		h, calls := budget(1 << 20)
		h.start(10_000, keepFindings)
		for range 10_000 {
			h.saw(1200)
		}
		h.stop()
		assert.Equal(t, []call{{gcPercent, tuned}, defaults}, *calls)
	})
	// 600 records of 1 MiB each ran three times slower under the limit
	// than with the defaults: hundreds of thousands of nodes in flight
	// kept the live heap at the limit.
	t.Run("a large record gives the settings back at once", func(t *testing.T) {
		h, calls := budget(1 << 20)
		h.start(600, keepFindings)
		h.saw(1200)
		h.saw(1 << 20)
		h.saw(1 << 20)
		h.stop()
		assert.Equal(t, []call{{gcPercent, gcLimitBase + 2*600*keptBytes(keepFindings)}, defaults}, *calls)
	})
	t.Run("a live heap grown past a third of the limit gives them back", func(t *testing.T) {
		h, calls := budget(tuned/3 + 1)
		h.start(10_000, keepFindings)
		for range liveCheckEvery - 1 {
			h.saw(1200)
		}
		assert.Len(t, *calls, 1, "not looked at before %d files", liveCheckEvery)
		h.saw(1200)
		assert.Equal(t, []call{{gcPercent, tuned}, defaults}, *calls)
		h.stop()
		assert.Len(t, *calls, 2)
	})
	t.Run("a small run or a user's GOGC leaves the runtime alone", func(t *testing.T) {
		h, calls := budget(0)
		h.start(gcMinRecords-1, keepFindings)
		h.saw(1 << 20)
		h.stop()
		h.getenv = func(k string) string { return map[string]string{"GOGC": "50"}[k] }
		h.start(10_000, keepFindings)
		h.stop()
		assert.Empty(t, *calls)
	})
	t.Run("start-up settings hold through a small load, then give way", func(t *testing.T) {
		h, calls := budget(1 << 20)
		h.begin()
		assert.Equal(t, []call{{gcPercent, gcLimitBase}}, *calls)
		h.start(gcMinRecords-1, keepFindings)
		h.saw(1200)
		assert.Len(t, *calls, 1, "a small run keeps the start-up settings while it loads")
		h.stop()
		assert.Equal(t, []call{{gcPercent, gcLimitBase}, defaults}, *calls)
	})
	t.Run("start-up settings give way to a large run's, and to a large record", func(t *testing.T) {
		h, calls := budget(1 << 20)
		h.begin()
		h.start(10_000, keepFindings)
		h.stop()
		assert.Equal(t, []call{{gcPercent, gcLimitBase}, {gcPercent, tuned}, defaults}, *calls)

		h, calls = budget(1 << 20)
		h.begin()
		h.start(10, keepFindings)
		h.saw(bigRecord + 1)
		h.stop()
		assert.Equal(t, []call{{gcPercent, gcLimitBase}, defaults}, *calls)
	})
	t.Run("a user's GOGC or GOMEMLIMIT leaves the start alone", func(t *testing.T) {
		for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
			h, calls := budget(0)
			h.getenv = func(v string) string { return map[string]string{k: "1"}[v] }
			h.begin()
			h.start(gcMinRecords-1, keepFindings)
			h.stop()
			assert.Empty(t, *calls, k)
		}
	})
	t.Run("nil budget", func(t *testing.T) {
		var h *heapBudget
		h.begin()
		h.start(10_000, keepFindings)
		h.saw(1)
		h.stop()
	})
}

func TestLiveHeapReadsTheRuntime(t *testing.T) {
	runtime.GC()
	assert.Positive(t, liveHeap())
}

// A run compiles the schemas once, however many times its steps ask: the
// gate reads its intent before the records, and both need them.
func TestSchemasCompileOncePerRun(t *testing.T) {
	e := &env{}
	first, again := e.schemas(), e.schemas()
	s1, err := first()
	require.NoError(t, err)
	s2, err := again()
	require.NoError(t, err)
	s3, err := first()
	require.NoError(t, err)
	assert.Same(t, s1, s2)
	assert.Same(t, s1, s3)
}
