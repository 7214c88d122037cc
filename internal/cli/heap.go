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
		return 200 // a result and its path
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

// ValidateKeeps is what validate keeps of a record, for the benchmark that
// gives a bare parse validate's collector settings.
var ValidateKeeps = keptBytes(keepFindings)
