package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// BaseCase is one timing of `exctl validate --base` on the corpus turned
// into a git repository with one record changed.
type BaseCase struct {
	Name    string
	Timing  Timing
	Records int // records exctl read and checked; 1 when it reads only the change
}

// measureBase commits the corpus, then times the pull-request check twice:
// with the change to one record uncommitted in the work tree, and with it
// committed on a branch. The record is a valid pending one, whose
// justification a requester may reword, so exctl must answer 0.
func measureBase(ctx context.Context, c *Corpus, exctl string, runs int) ([]BaseCase, error) {
	if len(c.Pending) == 0 {
		return nil, fmt.Errorf("no valid pending record to change")
	}
	dir := c.Dir
	g := func(args ...string) error { return git(ctx, dir, args...) }
	steps := [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		{"commit", "-q", "-m", fmt.Sprintf("Add %d generated records", len(c.Records))},
		// Pack the objects, as a clone has them.
		{"gc", "-q"},
	}
	for _, s := range steps {
		if err := g(s...); err != nil {
			return nil, err
		}
	}
	record := c.Pending[0]
	cmd := Command{
		Args:  []string{exctl, "validate", "--repo", ".", "--base", "main", "--format", "json", "--now", Now.Format(time.RFC3339)},
		Dir:   dir,
		Exits: []int{0},
	}
	var out []BaseCase

	if err := reword(filepath.Join(dir, filepath.FromSlash(record))); err != nil {
		return nil, err
	}
	cmd.Name = "exctl validate --base main (uncommitted change)"
	bc, err := timeBase(ctx, cmd, runs)
	if err != nil {
		return nil, err
	}
	out = append(out, bc)
	if err := g("checkout", "-q", "--", record); err != nil {
		return nil, err
	}

	if err := g("checkout", "-q", "-b", "change"); err != nil {
		return nil, err
	}
	if err := reword(filepath.Join(dir, filepath.FromSlash(record))); err != nil {
		return nil, err
	}
	if err := g("commit", "-q", "-am", "Reword a justification"); err != nil {
		return nil, err
	}
	cmd.Name = "exctl validate --base main (committed on a branch)"
	bc, err = timeBase(ctx, cmd, runs)
	if err != nil {
		return nil, err
	}
	out = append(out, bc)
	return out, g("checkout", "-q", "main")
}

func timeBase(ctx context.Context, cmd Command, runs int) (BaseCase, error) {
	t, o, err := Measure(ctx, cmd, runs)
	if err != nil {
		return BaseCase{}, err
	}
	var report struct {
		Records int `json:"records"`
	}
	if err := json.Unmarshal(o.Stdout, &report); err != nil {
		return BaseCase{}, fmt.Errorf("%s: read output: %w", cmd.Name, err)
	}
	return BaseCase{Name: cmd.Name, Timing: t, Records: report.Records}, nil
}

// reword appends a sentence to a record's justification, the smallest edit
// a requester makes to a pending request.
func reword(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	const key = "\njustification: "
	i := bytes.Index(data, []byte(key))
	if i < 0 {
		return fmt.Errorf("reword %s: no justification", file)
	}
	end := i + len(key) + bytes.IndexByte(data[i+len(key):], '\n')
	at := end
	if data[end-1] == '"' {
		at-- // inside a double-quoted scalar
	}
	edited := append(append(append([]byte{}, data[:at]...), " Re-checked after the latest scan."...), data[at:]...)
	return os.WriteFile(file, edited, 0o644)
}

// git runs the git CLI with a fixed identity and clock, ignoring the
// user's and the system's configuration.
func git(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "user.name=exctl bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false", "-c", "gc.auto=0"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_DATE=2026-11-29T12:00:00Z", "GIT_COMMITTER_DATE=2026-11-29T12:00:00Z")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git %v: %w: %s", args, err, bytes.TrimSpace(out))
	}
	return nil
}
