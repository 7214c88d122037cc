package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The report checks exctl against the targets and carries the
// absolute one over to the machine the issue timed, through the floor.
func TestReportTargets(t *testing.T) {
	timing := func(walls ...time.Duration) Timing {
		var tm Timing
		for _, w := range walls {
			tm.Samples = append(tm.Samples, Sample{Wall: w})
		}
		tm.Wall, tm.CPU, tm.RSS = walls[len(walls)/2], 2*walls[len(walls)/2], 30<<20
		return tm
	}
	ms := time.Millisecond
	d := reportData{
		corpus: &Corpus{Records: make([]string, 10), Invalid: map[string]Planted{}},
		runs:   3,
		rows: []Row{
			{Tool: "yaml.v3 parse (floor)", Timing: timing(800*ms, 900*ms, 1000*ms)},
			{Tool: "exctl validate", Timing: timing(880*ms, 990*ms, 1100*ms), Agree: &Agreement{}},
		},
	}
	var b strings.Builder
	writeReport(&b, d)
	out := b.String()
	assert.Contains(t, out, "MISSED full run under 0.600 s: 0.990 s")
	assert.Contains(t, out, "ok     within 1.3× of the yaml.v3 floor: 1.10×")
	assert.Contains(t, out, "at the issue's floor of 0.530 s, the ratio to the floor here gives 0.583 s")
	assert.Contains(t, out, "ok     peak memory under 50 MB: 30 MB")
}
