package validate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/load"
)

// A record within the size limit can hold a list of tens of thousands of
// logins; deciding whether they are unique must not take their square.
func TestCheckDecidesALongListInLinearTime(t *testing.T) {
	s, err := CompileSchemas()
	require.NoError(t, err)
	// A valid record, so that nothing but the list can decide it.
	record, err := os.ReadFile(filepath.Join("..", "..", "exceptions", "cross_boundary", "c7d1e5a3-8f2b-4c6d-9e0a-1b3c5d7f9a2e.yaml"))
	require.NoError(t, err)
	before, after, ok := strings.Cut(string(record), "owners:\n  - '@acme/integrations'\n")
	require.True(t, ok, "the bundled record's owners moved")
	const n = 60000
	list := func(last string) []byte {
		var b strings.Builder
		b.WriteString(before + "owners: [")
		for i := range n {
			fmt.Fprintf(&b, "'@acme/t%d', ", i)
		}
		b.WriteString(last + "]\n" + after)
		return []byte(b.String())
	}
	for _, tt := range []struct {
		name, last string
		dup        bool
	}{
		{"all distinct", "'@acme/last'", false},
		{"the last repeats the first", "'@acme/t0'", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := load.Parse("x.yaml", list(tt.last))
			require.NoError(t, err)
			start := time.Now()
			fs := Check(s.Exception, doc)
			assert.Less(t, time.Since(start), 10*time.Second)
			dup := false
			for _, f := range fs {
				dup = dup || strings.Contains(f.Msg, "are equal")
			}
			assert.Equal(t, tt.dup, dup, "%v", fs)
		})
	}
}
