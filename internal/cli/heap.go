package cli

// Parsing YAML allocates about thirty times a record's size and keeps
// almost none of it. Under the default GOGC=100 the live heap of a run is
// a few megabytes, so the collector runs every few megabytes allocated:
// over a hundred times for 10,000 records, a fifth of the run's CPU. A
// run that parses many records instead lets the heap grow to five times
// what is live, under a soft limit sized to the repository, which bounds
// the peak and leaves a large repository's larger live heap the room it
// needs.
const (
	gcPercent     = 400
	gcLimitBase   = 30 << 20 // what a run needs besides its records
	gcLimitRecord = 400      // bytes a record; about twice what a run keeps of one
	gcMinRecords  = 500      // below this the collector barely runs
)

// GCFor returns the collector settings for a run that parses n records, and
// false when the defaults should stay: a small run, or a user who set GOGC
// or GOMEMLIMIT.
func GCFor(n int, getenv func(string) string) (percent int, limit int64, ok bool) {
	if n < gcMinRecords || getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return 0, 0, false
	}
	return gcPercent, gcLimitBase + int64(n)*gcLimitRecord, true
}
