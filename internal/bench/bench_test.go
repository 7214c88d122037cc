package bench

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/exctl/exctl/internal/cli"
	"github.com/exctl/exctl/internal/exception"
	"github.com/exctl/exctl/internal/load"
	"github.com/exctl/exctl/internal/validate"
)

// The benchmarks run the validate path in-process, so that a CPU or memory
// profile shows where its time goes, beside BenchmarkFloor, the bare parse
// cmd/yamlfloor times:
//
//	go test -run '^$' -bench 'Floor|Validate$' -benchtime 5x -cpu 1,2 ./internal/bench
//	go test -run '^$' -bench 'Validate$' -benchtime 5x -cpuprofile cpu.out ./internal/bench
//	go tool pprof -top -cum cpu.out
//
// BenchmarkPhases splits the work into its steps on one goroutine, so their
// costs can be set side by side; BenchmarkBase is the pull-request check.

var (
	corpusOnce sync.Once
	corpus     *Corpus
	corpusDir  string
)

// sharedCorpus generates the 10,000 records once per test binary.
func sharedCorpus(b *testing.B) *Corpus {
	corpusOnce.Do(func() {
		dir, err := os.MkdirTemp("", "exctl-bench-")
		require.NoError(b, err)
		corpusDir = dir
		corpus, err = Generate(dir, GenOptions{N: 10000, Seed: 1, InvalidRate: 0.02, Policy: bundledPolicy(b)})
		require.NoError(b, err)
	})
	return corpus
}

func TestMain(m *testing.M) {
	code := m.Run()
	if corpusDir != "" {
		os.RemoveAll(corpusDir)
	}
	os.Exit(code)
}

// BenchmarkValidate is `exctl validate --format json` on the corpus, as the
// binary runs it, minus process start.
func BenchmarkValidate(b *testing.B) {
	c := sharedCorpus(b)
	args := []string{"validate", "--repo", c.Dir, "--format", "json", "--now", "2026-11-29T12:00:00Z"}
	b.ReportAllocs()
	for b.Loop() {
		if code := cli.Run(context.Background(), args, io.Discard, io.Discard); code != cli.ExitNo {
			b.Fatalf("exit %d", code)
		}
	}
}

// BenchmarkFloor is cmd/yamlfloor in-process: read and parse every record
// into yaml.v3 nodes on GOMAXPROCS goroutines, nothing else. Compare
// BenchmarkValidate with it at the same -cpu.
func BenchmarkFloor(b *testing.B) {
	c := sharedCorpus(b)
	b.ReportAllocs()
	for b.Loop() {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= len(c.Records) {
						return
					}
					data, err := os.ReadFile(filepath.Join(c.Dir, filepath.FromSlash(c.Records[i])))
					if err != nil {
						b.Error(err)
						return
					}
					var n yaml.Node
					if err := yaml.Unmarshal(data, &n); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
}

// BenchmarkPhases times each step of checking a record over the whole
// corpus on one goroutine.
func BenchmarkPhases(b *testing.B) {
	c := sharedCorpus(b)
	files := make([][]byte, len(c.Records))
	for i, p := range c.Records {
		data, err := os.ReadFile(filepath.Join(c.Dir, filepath.FromSlash(p)))
		require.NoError(b, err)
		files[i] = data
	}
	schemas, err := validate.CompileSchemas()
	require.NoError(b, err)
	pol, fs := validate.PolicyFile(schemas, load.PolicyPath, bundledPolicy(b))
	require.Empty(b, fs)
	// parsed holds every document only while a phase that needs them runs:
	// kept throughout, they would make every collection in the other
	// phases mark a few hundred megabytes.
	parsed := func() []*load.Document {
		docs := make([]*load.Document, len(files))
		for i, data := range files {
			docs[i], _ = load.Parse(c.Records[i], data)
		}
		return docs
	}

	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := (load.DirSource{Root: c.Dir}).List(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		src := load.DirSource{Root: c.Dir}
		for b.Loop() {
			for _, p := range c.Records {
				if _, err := src.Read(p); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("yaml-node", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, data := range files {
				var n yaml.Node
				if err := yaml.Unmarshal(data, &n); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("parse", func(b *testing.B) { // checks, node tree and JSON value
		b.ReportAllocs()
		for b.Loop() {
			for i, data := range files {
				_, _ = load.Parse(c.Records[i], data)
			}
		}
	})
	b.Run("schema", func(b *testing.B) {
		docs := parsed()
		b.ResetTimer()
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range docs {
				_ = validate.Check(schemas.Exception, d)
			}
		}
	})
	b.Run("record", func(b *testing.B) { // the typed record the rules read
		valid := make([]*load.Document, 0, len(files))
		for _, d := range parsed() {
			if _, bad := c.Invalid[d.Path]; !bad {
				valid = append(valid, d)
			}
		}
		b.ResetTimer()
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range valid {
				if _, err := exception.FromNode(d.Root); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("file", func(b *testing.B) { // all of the above but listing and reading
		ck := &validate.Checker{Schemas: schemas, Policy: pol, Now: Now, Dir: load.Dir}
		b.ReportAllocs()
		for b.Loop() {
			for i, data := range files {
				_ = ck.File(c.Records[i], data)
			}
		}
	})
}

// BenchmarkBase is the pull-request check: `exctl validate --base main`
// with one record of the 10,000 changed in the work tree.
func BenchmarkBase(b *testing.B) {
	c := sharedCorpus(b)
	dir := b.TempDir()
	require.NoError(b, os.CopyFS(dir, os.DirFS(c.Dir)))
	ctx := context.Background()
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "records"}, {"gc", "-q"}} {
		require.NoError(b, git(ctx, dir, args...))
	}
	require.NoError(b, reword(filepath.Join(dir, filepath.FromSlash(c.Pending[0]))))
	args := []string{"validate", "--repo", dir, "--base", "main", "--format", "json", "--now", "2026-11-29T12:00:00Z"}
	b.ResetTimer()
	for b.Loop() {
		if code := cli.Run(ctx, args, io.Discard, io.Discard); code != cli.ExitOK {
			b.Fatalf("exit %d", code)
		}
	}
}
