package scan_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/scan"
	"github.com/exctl/exctl/internal/scan/scantest"
)

// writeSyntheticTrivy writes a synthetic Trivy report of n findings into a
// temporary file and returns its path and size.
func writeSyntheticTrivy(tb testing.TB, n int) (string, int64) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "trivy-large.json")
	f, err := os.Create(path)
	require.NoError(tb, err)
	size, err := scantest.WriteTrivy(f, n)
	require.NoError(tb, err)
	require.NoError(tb, f.Close())
	return path, size
}

// totalAlloc is the number of bytes allocated so far by the whole process.
func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// TestReadLargeReportMemory reads a 20 MB report and bounds the bytes
// allocated while reading it. Everything allocated is an upper bound of the
// peak heap, whatever the garbage collector does, so "allocated < 3× the
// file" proves "peak heap < 3× the file" without sampling. The issue's
// 200 MB case is BenchmarkReadTrivyLarge.
func TestReadLargeReportMemory(t *testing.T) {
	n := 10000 // about 20 MB
	if testing.Short() {
		n = 2000
	}
	path, size := writeSyntheticTrivy(t, n)
	runtime.GC()
	before := totalAlloc()
	rep, err := scan.ReadFile(path)
	allocated := totalAlloc() - before
	require.NoError(t, err)
	require.Len(t, rep.Findings, n)
	t.Logf("report %.1f MB, %d findings, allocated %.1f MB (%.2f× the file)",
		float64(size)/1e6, n, float64(allocated)/1e6, float64(allocated)/float64(size))
	assert.Less(t, allocated, uint64(size), "allocations exceed the file size")
}

// TestReadLargeReportTruncated: a large report cut short is an error at the
// cut, found without holding the report in memory.
func TestReadLargeReportTruncated(t *testing.T) {
	path, size := writeSyntheticTrivy(t, 2000)
	require.NoError(t, os.Truncate(path, size-100))
	_, err := scan.ReadFile(path)
	var se *scan.SyntaxError
	require.ErrorAs(t, err, &se)
	assert.True(t, se.Truncated)
	assert.Equal(t, size-100, se.Offset)
}

// heapPeak samples the heap (live objects and garbage not yet collected)
// until stop is called, and returns the highest value seen.
func heapPeak() (stop func() uint64) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var (
		peak uint64
		wg   sync.WaitGroup
		done = make(chan struct{})
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		for {
			metrics.Read(samples)
			peak = max(peak, samples[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// peakRSS returns the process's peak resident set size (Linux VmHWM) in
// bytes, and 0 where /proc does not tell.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// resetPeakRSS starts a new VmHWM measurement (Linux only; ignored elsewhere).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// benchmarkFindings is the size of the benchmark: 100,000 findings,
// about 200 MB of Trivy JSON. EXCTL_BENCH_FINDINGS overrides it.
func benchmarkFindings(b *testing.B) int {
	if s := os.Getenv("EXCTL_BENCH_FINDINGS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(b, err)
		return n
	}
	return 100000
}

// BenchmarkReadTrivyLarge reads a synthetic Trivy report of 100,000
// findings (about 200 MB) and reports, per read: findings, allocated bytes
// and their ratio to the file, the sampled heap peak, and the process's peak
// RSS, each also as a multiple of the file size.
func BenchmarkReadTrivyLarge(b *testing.B) {
	n := benchmarkFindings(b)
	path, size := writeSyntheticTrivy(b, n)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	var allocated, heap, rss uint64
	for b.Loop() {
		runtime.GC()
		resetPeakRSS()
		stop := heapPeak()
		before := totalAlloc()
		rep, err := scan.ReadFile(path)
		allocated = max(allocated, totalAlloc()-before)
		heap = max(heap, stop())
		rss = max(rss, peakRSS())
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Findings) != n {
			b.Fatalf("%d findings, want %d", len(rep.Findings), n)
		}
	}
	b.ReportMetric(float64(n), "findings/op")
	b.ReportMetric(float64(size)/1e6, "file-MB")
	b.ReportMetric(float64(allocated)/float64(size), "alloc/file")
	b.ReportMetric(float64(heap)/1e6, "peak-heap-MB")
	b.ReportMetric(float64(heap)/float64(size), "peak-heap/file")
	if rss > 0 {
		b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
		b.ReportMetric(float64(rss)/float64(size), "peak-RSS/file")
	}
}

// BenchmarkDecodeTrivyLargeFloor is the floor to compare Read with: one
// json.Decoder.Decode of the same report into structs holding only the
// fields Read keeps, without checks, positions or streaming.
func BenchmarkDecodeTrivyLargeFloor(b *testing.B) {
	n := benchmarkFindings(b)
	path, size := writeSyntheticTrivy(b, n)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		var doc struct {
			SchemaVersion int
			Results       []struct {
				Target          string
				Vulnerabilities []struct {
					VulnerabilityID, PkgName, InstalledVersion, Severity string
					PkgIdentifier                                        struct{ PURL string }
				}
			}
		}
		err = json.NewDecoder(f).Decode(&doc)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "findings/op")
}
