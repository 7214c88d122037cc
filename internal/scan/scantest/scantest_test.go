package scantest_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/scan"
	"github.com/exctl/exctl/internal/scan/scantest"
)

func TestWriteTrivyReadsBack(t *testing.T) {
	for _, n := range []int{0, 1, 7, scantest.VulnsPerResult + 3} {
		var buf bytes.Buffer
		size, err := scantest.WriteTrivy(&buf, n)
		require.NoError(t, err)
		assert.Equal(t, int64(buf.Len()), size)
		require.True(t, json.Valid(buf.Bytes()))

		rep, err := scan.Read(&buf, "synthetic.json")
		require.NoError(t, err)
		require.Len(t, rep.Findings, n)
		for i, f := range rep.Findings {
			v := scantest.TrivyAt(i)
			sev, err := scan.ParseSeverity(v.Severity)
			require.NoError(t, err)
			assert.Equal(t, scan.Finding{ID: v.ID, Severity: sev, Package: v.Package, Version: v.Version,
				PURL: v.PURL, Target: v.Target, Source: scan.FormatTrivy}, f)
		}
	}
}

func TestWriteTrivySize(t *testing.T) {
	var buf bytes.Buffer
	size, err := scantest.WriteTrivy(&buf, 1000)
	require.NoError(t, err)
	// About 2 KB per finding, like a real Trivy report.
	assert.InDelta(t, 2000, float64(size)/1000, 500)
}
