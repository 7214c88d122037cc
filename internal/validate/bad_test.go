package validate_test

// The bad-input corpus, run end to end through the real entry point. This is
// an external test package so that it may import internal/cli, which imports
// validate.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/cli"
)

const (
	now = "2026-11-29T12:00:00Z"
	// hangLimit fails a case that does not finish: a hang is a bug too.
	hangLimit = 20 * time.Second
	vulnID    = "8d3f6a2e-1b4c-4d5e-9f60-7a8b9c0d1e2f"
)

// want is what a case expects, read from its want.txt:
//
//	first: FILE[:LINE:COL] RULE   the first error in the sorted output
//	has: TEXT                     text the output must contain (repeatable)
//	within: DURATION              how long the text run may take at most
type want struct {
	file      string
	line, col int
	rule      string
	has       []string
	within    time.Duration
}

type badCase struct {
	name string
	dir  string // testdata/bad/<name>, copied into a fresh repository
	// setup builds what does not belong in git: symbolic links and huge
	// files. It returns extra arguments for validate.
	setup func(t *testing.T, repo string) []string
	want  want
}

func TestBadInput(t *testing.T) {
	policy, err := os.ReadFile("../../exceptions/policy.yaml")
	require.NoError(t, err)
	cases := append(corpus(t), builtCases()...)
	require.GreaterOrEqual(t, len(cases), 35)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A timed case runs on its own, not beside the others.
			if c.want.within == 0 {
				t.Parallel()
			}
			repo := t.TempDir()
			if c.dir != "" {
				copyTree(t, c.dir, repo)
			}
			// Every case is judged under the bundled policy unless it
			// brings its own.
			policyPath := filepath.Join(repo, "exceptions", "policy.yaml")
			if _, err := os.Lstat(policyPath); err != nil {
				require.NoError(t, os.MkdirAll(filepath.Dir(policyPath), 0o755))
				require.NoError(t, os.WriteFile(policyPath, policy, 0o644))
			}
			var extra []string
			if c.setup != nil {
				extra = c.setup(t, repo)
			}
			args := append([]string{"validate", "--repo", repo, "--now", now}, extra...)

			t.Run("text", func(t *testing.T) {
				r := run(t, args...)
				require.Equal(t, cli.ExitNo, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
				if c.want.within > 0 {
					// The best of three runs: a busy machine can stall one
					// run, but work that grows without bound is slow in all.
					fastest := r.elapsed
					for i := 0; i < 2 && fastest >= c.want.within; i++ {
						fastest = min(fastest, run(t, args...).elapsed)
					}
					assert.Less(t, fastest, c.want.within)
				}
				first := firstLine(r.stdout, func(l string) bool { return strings.Contains(l, ": error: ") })
				assert.True(t, strings.HasPrefix(first, c.want.textPrefix()), "first error\n  got:  %s\n  want: %s…", first, c.want.textPrefix())
				for _, h := range c.want.has {
					assert.Contains(t, r.stdout, h)
				}
				assert.Contains(t, r.stderr, "error(s)")
			})

			t.Run("json", func(t *testing.T) {
				r := run(t, append(args, "--format", "json")...)
				require.Equal(t, cli.ExitNo, r.code, "stderr:\n%s", r.stderr)
				var out struct {
					Valid    bool `json:"valid"`
					Errors   int  `json:"errors"`
					Findings []struct {
						File  string `json:"file"`
						Line  int    `json:"line"`
						Col   int    `json:"column"`
						Level string `json:"level"`
						Rule  string `json:"rule"`
						Msg   string `json:"message"`
					} `json:"findings"`
				}
				require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), r.stdout)
				assert.False(t, out.Valid)
				assert.Positive(t, out.Errors)
				for _, f := range out.Findings {
					if f.Level == "error" {
						assert.Equal(t, c.want.file, f.File)
						assert.Equal(t, [2]int{c.want.line, c.want.col}, [2]int{f.Line, f.Col})
						assert.Equal(t, c.want.rule, f.Rule)
						assert.NotEmpty(t, f.Msg)
						return
					}
				}
				t.Errorf("no error finding in %s", r.stdout)
			})

			t.Run("github", func(t *testing.T) {
				r := run(t, append(args, "--format", "github")...)
				require.Equal(t, cli.ExitNo, r.code, "stderr:\n%s", r.stderr)
				first := firstLine(r.stdout, func(l string) bool { return strings.HasPrefix(l, "::error ") })
				assert.True(t, strings.HasPrefix(first, c.want.githubPrefix()), "first annotation\n  got:  %s\n  want: %s…", first, c.want.githubPrefix())
			})
		})
	}
}

// corpus reads every case folder under testdata/bad.
func corpus(t *testing.T) []badCase {
	t.Helper()
	entries, err := os.ReadDir("testdata/bad")
	require.NoError(t, err)
	var cases []badCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join("testdata", "bad", e.Name())
		data, err := os.ReadFile(filepath.Join(dir, "want.txt"))
		require.NoError(t, err, "every case states what it expects")
		cases = append(cases, badCase{name: e.Name(), dir: dir, want: parseWant(t, e.Name(), string(data))})
	}
	return cases
}

func parseWant(t *testing.T, name, text string) want {
	t.Helper()
	var w want
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, ": ")
		require.True(t, ok, "%s: want.txt line %q is not key: value", name, line)
		switch key {
		case "first":
			pos, rule, ok := strings.Cut(val, " ")
			require.True(t, ok, "%s: first: wants FILE[:LINE:COL] RULE", name)
			w.file, w.rule = pos, rule
			if parts := strings.Split(pos, ":"); len(parts) == 3 {
				var err1, err2 error
				w.file = parts[0]
				w.line, err1 = strconv.Atoi(parts[1])
				w.col, err2 = strconv.Atoi(parts[2])
				require.NoError(t, err1, name)
				require.NoError(t, err2, name)
			}
		case "has":
			w.has = append(w.has, val)
		case "within":
			d, err := time.ParseDuration(val)
			require.NoError(t, err, name)
			w.within = d
		default:
			t.Fatalf("%s: unknown want.txt key %q", name, key)
		}
	}
	require.NotEmpty(t, w.rule, "%s: want.txt has no first: line", name)
	return w
}

func (w want) textPrefix() string {
	pos := w.file
	if w.line > 0 {
		pos = fmt.Sprintf("%s:%d:%d", w.file, w.line, w.col)
	}
	return fmt.Sprintf("%s: error: %s: ", pos, w.rule)
}

func (w want) githubPrefix() string {
	props := "file=" + w.file
	if w.line > 0 {
		props += fmt.Sprintf(",line=%d,col=%d", w.line, w.col)
	}
	return fmt.Sprintf("::error %s,title=exctl %s::", props, w.rule)
}

// builtCases are the cases that cannot live in git as they are: symbolic
// links (fragile in a checkout) and a 20 MB file.
func builtCases() []badCase {
	vulnPath := "exceptions/vulnerability_scan/" + vulnID + ".yaml"
	return []badCase{
		{
			name: "symlink-outside-repository",
			setup: func(t *testing.T, repo string) []string {
				target := writeOutside(t, "secret.yaml", validRecord(t))
				link(t, repo, vulnPath, target)
				return nil
			},
			want: want{file: vulnPath, rule: "layout", has: []string{"symbolic link: records must be files in the repository"}},
		},
		{
			// A link to a copy in the repository would let a change to the
			// copy, outside exceptions/, change the record unseen.
			name: "symlink-inside-repository",
			setup: func(t *testing.T, repo string) []string {
				full := filepath.Join(repo, "docs", "copy.yaml")
				require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
				require.NoError(t, os.WriteFile(full, []byte(validRecord(t)), 0o644))
				link(t, repo, vulnPath, full)
				return nil
			},
			want: want{file: vulnPath, rule: "layout", has: []string{"symbolic link: records must be files in the repository"}},
		},
		{
			name: "symlinked-folder-outside-repository",
			setup: func(t *testing.T, repo string) []string {
				dir := filepath.Dir(writeOutside(t, vulnID+".yaml", validRecord(t)))
				link(t, repo, "exceptions/vulnerability_scan", dir)
				return nil
			},
			want: want{file: "exceptions/vulnerability_scan", rule: "layout", has: []string{"symbolic link: records must be files in the repository"}},
		},
		{
			// With --base, records are the changed paths from git, not the
			// vetted listing: a pull request adding a link to a runner's
			// file must not get that file's content printed.
			name: "symlink-outside-repository-in-change",
			setup: func(t *testing.T, repo string) []string {
				r, err := git.PlainInit(repo, false)
				require.NoError(t, err)
				commitAll(t, r)
				target := writeOutside(t, "secret.yaml", "exception_id: hunter2\nsecret_token: hunter2\n")
				link(t, repo, vulnPath, target)
				return []string{"--base", "HEAD"}
			},
			want: want{file: vulnPath, rule: "layout", has: []string{"symbolic link: records must be files in the repository"}},
		},
		{
			name: "file-20MB",
			setup: func(t *testing.T, repo string) []string {
				// A real record padded with a comment, so only the size
				// is wrong.
				data := []byte(validRecord(t) + "# " + strings.Repeat("x", 20<<20-len(validRecord(t))-3) + "\n")
				require.Len(t, data, 20<<20)
				full := filepath.Join(repo, filepath.FromSlash(vulnPath))
				require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
				require.NoError(t, os.WriteFile(full, data, 0o644))
				return nil
			},
			want: want{file: vulnPath, rule: "read", has: []string{"file is 20971520 bytes; records are limited to 1048576"}, within: 5 * time.Second},
		},
	}
}

// validRecord is a record that passes on its own, for cases where only
// where or how it is stored is wrong.
func validRecord(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("testdata/bad/file-name-not-id/exceptions/vulnerability_scan/cve-2024-1234.yaml")
	require.NoError(t, err)
	return string(data)
}

func writeOutside(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func link(t *testing.T, repo, rel, target string) {
	t.Helper()
	full := filepath.Join(repo, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
	require.NoError(t, os.Symlink(target, full))
}

func commitAll(t *testing.T, r *git.Repository) {
	t.Helper()
	wt, err := r.Worktree()
	require.NoError(t, err)
	require.NoError(t, wt.AddWithOptions(&git.AddOptions{All: true}))
	sig := &object.Signature{Name: "a", Email: "a@x", When: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	_, err = wt.Commit("base", &git.CommitOptions{Author: sig, Committer: sig})
	require.NoError(t, err)
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if rel == "want.txt" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	require.NoError(t, err)
}

type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

// run calls cli.Run on its own goroutine so that a hang fails the case
// instead of the whole test binary, and a panic is reported with its stack.
func run(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	type outcome struct {
		result
		panicked any
		stack    []byte
	}
	done := make(chan outcome, 1)
	start := time.Now()
	go func() {
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o.panicked, o.stack = p, debug.Stack()
			}
			o.elapsed = time.Since(start)
			done <- o
		}()
		var stdout, stderr bytes.Buffer
		o.code = cli.Run(ctx, args, &stdout, &stderr)
		o.stdout, o.stderr = stdout.String(), stderr.String()
	}()
	select {
	case o := <-done:
		if o.panicked != nil {
			t.Fatalf("exctl %s panicked: %v\n%s", strings.Join(args, " "), o.panicked, o.stack)
		}
		assert.NotContains(t, o.stderr, "panic")
		return o.result
	case <-ctx.Done():
		t.Fatalf("exctl %s did not finish within %s", strings.Join(args, " "), hangLimit)
		return result{}
	}
}

func firstLine(out string, match func(string) bool) string {
	for _, l := range strings.Split(out, "\n") {
		if match(l) {
			return l
		}
	}
	return ""
}
