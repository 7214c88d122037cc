// Package gittest builds real git repositories in temporary directories
// with fixed authors and clocks, for tests of code that reads git.
package gittest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/stretchr/testify/require"
)

// Repo is a repository on disk with a work tree.
type Repo struct {
	t     testing.TB
	Dir   string
	Git   *git.Repository
	clock time.Time
}

// New initialises an empty repository on branch main.
func New(t testing.TB) *Repo {
	t.Helper()
	dir := t.TempDir()
	r, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	require.NoError(t, err)
	return &Repo{t: t, Dir: dir, Git: r, clock: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)}
}

// Write writes a file in the work tree, creating folders.
func (r *Repo) Write(path, content string) {
	r.t.Helper()
	full := filepath.Join(r.Dir, filepath.FromSlash(path))
	require.NoError(r.t, os.MkdirAll(filepath.Dir(full), 0o755))
	require.NoError(r.t, os.WriteFile(full, []byte(content), 0o644))
}

// Remove deletes a file from the work tree.
func (r *Repo) Remove(path string) {
	r.t.Helper()
	require.NoError(r.t, os.Remove(filepath.Join(r.Dir, filepath.FromSlash(path))))
}

// Commit stages everything and commits it as a fixed author, one minute
// after the previous commit.
func (r *Repo) Commit(msg string) plumbing.Hash {
	r.t.Helper()
	wt, err := r.Git.Worktree()
	require.NoError(r.t, err)
	require.NoError(r.t, wt.AddWithOptions(&git.AddOptions{All: true}))
	r.clock = r.clock.Add(time.Minute)
	sig := &object.Signature{Name: "Alice Engineer", Email: "alice@example.com", When: r.clock}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true})
	require.NoError(r.t, err)
	return h
}

// Branch creates and checks out a new branch at HEAD.
func (r *Repo) Branch(name string) {
	r.t.Helper()
	wt, err := r.Git.Worktree()
	require.NoError(r.t, err)
	require.NoError(r.t, wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name), Create: true}))
}

// GitCLI runs the git command line in the repository, for tests that check
// go-git and git agree. It fails the test when git is not installed.
func (r *Repo) GitCLI(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	require.NoError(r.t, err, "git %v: %s", args, out)
	return string(out)
}
