package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport/http"
)

// Trailer is one "Key: value" line at the end of a commit message.
type Trailer struct{ Key, Value string }

// Message builds a commit message with trailers, which `git log --grep`
// and `git interpret-trailers` read.
func Message(subject, body string, trailers []Trailer) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(subject))
	b.WriteString("\n")
	if body = strings.TrimSpace(body); body != "" {
		b.WriteString("\n" + body + "\n")
	}
	if len(trailers) > 0 {
		b.WriteString("\n")
		for _, t := range trailers {
			fmt.Fprintf(&b, "%s: %s\n", t.Key, strings.ReplaceAll(t.Value, "\n", " "))
		}
	}
	return b.String()
}

// CommitFiles writes files (slash paths relative to the root) into the work
// tree and commits exactly them on the current branch.
func (r *Repo) CommitFiles(files map[string][]byte, msg string, author object.Signature) (plumbing.Hash, error) {
	wt, err := r.Git.Worktree()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("open work tree: %w", err)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		full := filepath.Join(r.Root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return plumbing.ZeroHash, err
		}
		if err := os.WriteFile(full, files[p], 0o644); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("write %s: %w", p, err)
		}
		if _, err := wt.Add(p); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("stage %s: %w", p, err)
		}
	}
	if author.When.IsZero() {
		author.When = time.Now()
	}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: &author, Committer: &author})
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("commit: %w", err)
	}
	return h, nil
}

// Push sends commit to branch on the remote. A token authenticates HTTPS
// remotes the way GitHub Actions expects; local and SSH remotes ignore it.
func (r *Repo) Push(ctx context.Context, remote, branch string, commit plumbing.Hash, token string) error {
	local := plumbing.NewBranchReferenceName("exctl-push-" + branch)
	if err := r.Git.Storer.SetReference(plumbing.NewHashReference(local, commit)); err != nil {
		return fmt.Errorf("push %s: %w", branch, err)
	}
	defer r.Git.Storer.RemoveReference(local)
	opts := &git.PushOptions{
		RemoteName: remote,
		RefSpecs:   []config.RefSpec{config.RefSpec(local.String() + ":" + plumbing.NewBranchReferenceName(branch).String())},
	}
	if rem, err := r.Git.Remote(remote); err == nil && token != "" {
		if urls := rem.Config().URLs; len(urls) > 0 && strings.HasPrefix(urls[0], "https://") {
			opts.Auth = &http.BasicAuth{Username: "x-access-token", Password: token}
		}
	}
	err := r.Git.PushContext(ctx, opts)
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return fmt.Errorf("push %s to %s: %w", branch, remote, err)
	}
	return nil
}

// Head returns the commit HEAD points at.
func (r *Repo) Head() (plumbing.Hash, error) {
	ref, err := r.Git.Head()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read HEAD: %w", err)
	}
	return ref.Hash(), nil
}

// FileAt returns a file's content at a commit; ok is false when the commit
// or the file is absent, so a caller can tell "cannot verify" from an error.
// Trees are cached, since an evaluation reads many files at few commits.
func (r *Repo) FileAt(commit, path string) (data []byte, ok bool, err error) {
	if !plumbing.IsHash(commit) {
		return nil, false, nil
	}
	t, ok, err := r.treeOf(plumbing.NewHash(commit))
	if !ok || err != nil {
		return nil, false, err
	}
	f, err := t.File(path)
	if errors.Is(err, object.ErrFileNotFound) || errors.Is(err, object.ErrDirectoryNotFound) || errors.Is(err, object.ErrEntryNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s at %s: %w", path, commit, err)
	}
	s, err := f.Contents()
	if err != nil {
		return nil, false, fmt.Errorf("read %s at %s: %w", path, commit, err)
	}
	return []byte(s), true, nil
}

func (r *Repo) treeOf(h plumbing.Hash) (*object.Tree, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.trees[h]; ok {
		return t, t != nil, nil
	}
	c, err := r.Git.CommitObject(h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read commit %s: %w", h, err)
	}
	t, err := c.Tree()
	if err != nil {
		return nil, false, fmt.Errorf("read tree of %s: %w", h, err)
	}
	if r.trees == nil {
		r.trees = map[plumbing.Hash]*object.Tree{}
	}
	r.trees[h] = t
	return t, true, nil
}
