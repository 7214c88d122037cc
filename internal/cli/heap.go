package cli

import (
	"math"
	"runtime/metrics"
	"sync"
)

// Parsing YAML allocates about thirty times a record's size and keeps
// almost none of it. Under the default GOGC=100 the live heap of a run is
// a few megabytes, so the collector runs every few megabytes allocated:
// over a hundred times for 10,000 records, a fifth of the run's CPU. A
// run that parses many records instead lets the heap grow to five times
// what is live, under a soft limit sized to the repository, which bounds
// the peak and leaves a large repository's larger live heap the room it
// needs.
const (
	gcPercent    = 400
	gcLimitBase  = 30 << 20 // what a run needs besides its records
	gcMinRecords = 500      // below this the collector barely runs
)

// keptBytes is about what a run holds of each record until it ends, by
// what it keeps. The soft limit gives each record twice that: a limit
// close to the live heap would make the collector run without pause.
func keptBytes(k keep) int64 {
	switch k {
	case keepFindings:
		return ValidateKept
	case keepRecords:
		return 3 << 10 // the typed record: justification, controls, findings
	}
	return 40 << 10 // the YAML node tree and its JSON value
}

// GCFor returns the collector settings for a run that parses n records
// and keeps kept bytes of each, and false when the defaults should stay:
// a small run, or a user who set GOGC or GOMEMLIMIT.
func GCFor(n int, kept int64, getenv func(string) string) (percent int, limit int64, ok bool) {
	if n < gcMinRecords || getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return 0, 0, false
	}
	return gcPercent, gcLimitBase + 2*int64(n)*kept, true
}

// ValidateKept is about what validate keeps of a record (a result and its
// path), exported for the benchmark that gives a bare parse validate's
// collector settings.
const ValidateKept = 200

// Beyond these the settings above are no longer the right ones and the
// run goes back to the runtime's defaults.
const (
	bigRecord      = 64 << 10 // a record this large is hundreds of thousands of YAML nodes in flight
	liveCheckEvery = 1024     // files between looks at the live heap
)

// heapBudget applies GCFor's settings while a run parses records and takes
// them back when they stop fitting: a large file in flight, or a live heap
// (findings, kept records) grown past a third of the limit, where a soft
// limit would have the collector run without pause. A nil budget, or one
// without apply, leaves the runtime alone.
type heapBudget struct {
	apply  func(percent int, limit int64)
	getenv func(string) string
	live   func() int64 // bytes live after the last collection

	mu     sync.Mutex
	active bool
	limit  int64
	files  int
}

// begin applies the start-up settings: GOGC=400 under the base limit.
// Compiling the schemas, reading git's index and parsing the first
// records allocate several megabytes and keep most of them, so under the
// defaults the collector ran several times in a run's first tens of
// milliseconds: a tenth of the instructions of a pull request's check or a
// small gate. They hold until the records are loaded (start may size them
// to a large run; saw gives them back as it would start's, stop after
// loading), or for the whole of a command that loads none.
func (h *heapBudget) begin() {
	if h == nil || h.apply == nil || h.getenv("GOGC") != "" || h.getenv("GOMEMLIMIT") != "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.apply(gcPercent, gcLimitBase)
	h.active, h.limit, h.files = true, gcLimitBase, 0
}

// start applies the settings for a run about to parse n records and keep
// k of each; for a small run, the start-up settings stay.
func (h *heapBudget) start(n int, k keep) {
	if h == nil || h.apply == nil {
		return
	}
	percent, limit, ok := GCFor(n, keptBytes(k), h.getenv)
	if !ok {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.apply(percent, limit)
	h.active, h.limit, h.files = true, limit, 0
}

// saw is told the size of each file read.
func (h *heapBudget) saw(size int) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.active {
		return
	}
	h.files++
	if size > bigRecord || (h.files%liveCheckEvery == 0 && h.live() > h.limit/3) {
		h.release()
	}
}

// stop takes the settings back once the records are read: what a command
// does next (a scan report, say) was not counted in the limit.
func (h *heapBudget) stop() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.active {
		h.release()
	}
}

func (h *heapBudget) release() {
	h.apply(100, math.MaxInt64)
	h.active = false
}

// liveHeap reads the heap the last collection found live.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}
