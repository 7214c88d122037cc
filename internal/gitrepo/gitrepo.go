// Package gitrepo is exctl's view of git through go-git: trees at a
// revision, what changed since a base revision (including uncommitted
// work), and blobs.
package gitrepo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrNotRepository means the directory is not inside a git work tree.
var ErrNotRepository = errors.New("not a git repository")

// Repo is a repository with a work tree on disk.
type Repo struct {
	Git  *git.Repository
	Root string // absolute path of the work tree

	mu    sync.Mutex
	trees map[plumbing.Hash]*object.Tree
}

// Open finds the repository containing dir.
func Open(dir string) (*Repo, error) {
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return nil, fmt.Errorf("open %s: %w", dir, ErrNotRepository)
		}
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	wt, err := r.Worktree()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return &Repo{Git: r, Root: wt.Filesystem.Root()}, nil
}

// Entry is a file in a tree.
type Entry struct {
	Path string // slash-separated, relative to the repository root
	Hash plumbing.Hash
	Mode filemode.FileMode
	// Unsafe is true for a name no checkout could hold (a control
	// character, "." or ".."), which git refuses to check out but a
	// crafted tree can carry.
	Unsafe bool
}

// Tree returns the tree of the commit rev names.
func (r *Repo) Tree(rev string) (*object.Tree, error) {
	if err := checkRevision(rev); err != nil {
		return nil, err
	}
	h, err := r.Git.ResolveRevision(plumbing.Revision(rev))
	if errors.Is(err, io.EOF) {
		// go-git's answer for HEAD~5 in a shorter history.
		return nil, fmt.Errorf("resolve %s: no such commit", rev)
	}
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", rev, err)
	}
	c, err := r.Git.CommitObject(*h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", rev, err)
	}
	t, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", rev, err)
	}
	return t, nil
}

// checkRevision refuses the forms of a revision go-git does not read as
// git does: it takes main for main@{1} or main:exceptions, and a tree or
// blob for its commit, so a check would quietly compare with something
// else than asked.
func checkRevision(rev string) error {
	switch {
	case rev == "":
		return errors.New("empty revision")
	case strings.Contains(rev, "@{"):
		return fmt.Errorf("%s: reflog and upstream forms (@{…}) are not supported: give a branch, tag or commit", rev)
	case strings.Contains(rev, ":"):
		return fmt.Errorf("%s: a revision with a path (REV:path) names a file: give a branch, tag or commit", rev)
	case strings.Contains(rev, "^{"):
		return fmt.Errorf("%s: peeling forms (^{…}) are not supported: give a branch, tag or commit", rev)
	}
	return nil
}

// Files lists the entries of t below prefix (a folder), or nothing if the
// folder does not exist at that revision.
func Files(t *object.Tree, prefix string) ([]Entry, error) {
	sub := t
	if prefix != "" && prefix != "." {
		var err error
		sub, err = t.Tree(prefix)
		if errors.Is(err, object.ErrDirectoryNotFound) || errors.Is(err, object.ErrEntryNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", prefix, err)
		}
	}
	var out []Entry
	w := object.NewTreeWalker(sub, true, nil)
	defer w.Close()
	// go-git would stop the walk at the first unsafe name, without saying
	// where it is; names are only read here, never written to disk, so
	// they are listed and marked instead, and the caller reports each.
	w.SkipPathValidation()
	for {
		name, e, err := w.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", prefix, err)
		}
		if e.Mode == filemode.Dir && safeName(e.Name) {
			continue
		}
		// Joined without cleaning, so that a ".." entry keeps its place.
		p := name
		if prefix != "" && prefix != "." {
			p = prefix + "/" + name
		}
		out = append(out, Entry{Path: p, Hash: e.Hash, Mode: e.Mode, Unsafe: !safeName(e.Name) || !safePath(name)})
	}
}

func safeName(n string) bool {
	return n != "" && n != "." && n != ".." && !strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// safePath checks every folder on the way, which an unsafe folder passes on.
func safePath(p string) bool {
	for part := range strings.SplitSeq(p, "/") {
		if !safeName(part) {
			return false
		}
	}
	return true
}

// Blob reads the content of a blob.
func (r *Repo) Blob(h plumbing.Hash) ([]byte, error) {
	b, err := r.Git.BlobObject(h)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	defer rd.Close()
	return io.ReadAll(io.LimitReader(rd, 64<<20))
}

// Changed lists the paths below prefix whose content in the work tree
// differs from the tree at base: added, modified and deleted, committed or
// not. Only files whose index stat data says they changed are read, so a
// large folder with one changed file costs a stat per file, not a read;
// and a folder whose tree at base is the one git's index caches for it
// (its cache-tree extension, which git keeps on checkout and commit) is
// taken from the index without decoding the base tree's objects.
func (r *Repo) Changed(base, prefix string) ([]string, error) {
	return r.changed(base, prefix, true)
}

func (r *Repo) changed(base, prefix string, useCacheTree bool) ([]string, error) {
	t, err := r.Tree(base)
	if err != nil {
		return nil, err
	}
	// The work tree's listing needs nothing else; the base tree and the
	// stats need the index, which says which folders are unchanged and
	// what each file's stat data was.
	var (
		wg        sync.WaitGroup
		present   []dirFile
		listErr   error
		indexTime = indexModTime(r)
	)
	wg.Go(func() { present, listErr = r.listFiles(prefix) })
	idx, err := r.Git.Storer.Index()
	if err != nil {
		wg.Wait()
		return nil, fmt.Errorf("read index: %w", err)
	}
	var tracked []*index.Entry
	dirPrefix := strings.TrimSuffix(prefix, "/") + "/"
	for _, e := range idx.Entries {
		if strings.HasPrefix(e.Name, dirPrefix) && e.Stage == 0 {
			tracked = append(tracked, e)
		}
	}
	var cached map[string]plumbing.Hash
	if useCacheTree {
		cached = cacheTree(idx.Cache, idx.Entries)
	}
	var (
		baseHash = map[string]plumbing.Hash{}
		baseErr  error
		hashes   []plumbing.Hash
		statErr  error
	)
	wg.Go(func() { baseErr = baseFiles(t, prefix, cached, tracked, baseHash) })
	wg.Go(func() { hashes, statErr = r.worktreeHashes(tracked, indexTime) })
	wg.Wait()
	if err := errors.Join(baseErr, statErr, listErr); err != nil {
		return nil, err
	}
	current := make(map[string]plumbing.Hash, len(tracked))
	inIndex := make(map[string]bool, len(tracked))
	for i, e := range tracked {
		inIndex[e.Name] = true
		if !hashes[i].IsZero() {
			current[e.Name] = hashes[i]
		}
	}
	for _, f := range present {
		if inIndex[f.path] {
			continue
		}
		fi, err := f.entry.Info()
		if err != nil {
			return nil, err
		}
		h, err := r.hashFile(f.path, fi)
		if err != nil {
			return nil, err
		}
		current[f.path] = h
	}
	var out []string
	for p, h := range current {
		if baseHash[p] != h {
			out = append(out, p)
		}
	}
	for p := range baseHash {
		if _, ok := current[p]; !ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// baseFiles records the hash of every file below prefix in the base tree
// t. A folder whose tree hash is the one the index caches for it holds at
// base exactly the index's entries below it, so those are recorded
// instead of decoding the folder's tree objects.
func baseFiles(t *object.Tree, prefix string, cached map[string]plumbing.Hash, tracked []*index.Entry, out map[string]plumbing.Hash) error {
	dir := strings.TrimSuffix(prefix, "/")
	sub, err := t.Tree(dir)
	if errors.Is(err, object.ErrDirectoryNotFound) || errors.Is(err, object.ErrEntryNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", prefix, err)
	}
	// git leaves a folder with an intent-to-add entry out of its cache
	// tree; the check keeps such an entry out of base all the same.
	fromIndex := func(dir string) {
		for _, e := range tracked {
			if strings.HasPrefix(e.Name, dir+"/") && !e.IntentToAdd {
				out[e.Name] = e.Hash
			}
		}
	}
	var walk func(t *object.Tree, dir string) error
	walk = func(t *object.Tree, dir string) error {
		if h, ok := cached[dir]; ok && h == t.Hash {
			fromIndex(dir)
			return nil
		}
		for _, e := range t.Entries {
			p := dir + "/" + e.Name
			if e.Mode != filemode.Dir {
				out[p] = e.Hash
				continue
			}
			if h, ok := cached[p]; ok && h == e.Hash {
				fromIndex(p)
				continue
			}
			child, err := t.Tree(e.Name)
			if err != nil {
				return fmt.Errorf("read %s: %w", p, err)
			}
			if err := walk(child, p); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(sub, dir)
}

// cacheTree returns the tree hash the index's cache-tree extension holds
// for each folder, by slash path, or nothing when it cannot be trusted
// whole. The extension lists folders depth first, each followed by as many
// subtrees as it says; go-git drops the entries git has invalidated but
// keeps their subtrees, so the list says where each folder sits only when
// nothing was invalidated, which git marks on the root along with every
// folder above a change. Each folder's entry count must also match the
// index, or the extension is not the index's.
func cacheTree(t *index.Tree, entries []*index.Entry) map[string]plumbing.Hash {
	if t == nil || len(t.Entries) == 0 || t.Entries[0].Path != "" || t.Entries[0].Entries < 0 {
		return nil
	}
	out := map[string]plumbing.Hash{}
	counts := map[string]int{}
	next := 0
	var walk func(dir string) bool
	walk = func(dir string) bool {
		e := t.Entries[next]
		next++
		p := path.Join(dir, e.Path)
		if e.Entries < 0 || (p != "" && e.Path == "") {
			return false
		}
		if _, dup := out[p]; dup {
			return false
		}
		out[p], counts[p] = e.Hash, e.Entries
		for range e.Trees {
			if next >= len(t.Entries) || !walk(p) {
				return false
			}
		}
		return true
	}
	if !walk("") || next != len(t.Entries) {
		return nil
	}
	seen := map[string]int{}
	for _, e := range entries {
		seen[""]++
		for dir := path.Dir(e.Name); dir != "."; dir = path.Dir(dir) {
			if _, ok := counts[dir]; ok {
				seen[dir]++
			}
		}
	}
	for dir, n := range counts {
		if seen[dir] != n {
			return nil
		}
	}
	return out
}

// worktreeHashes returns the work tree hash of each index entry, zero for
// a deleted file. Stat data decides where it can, as git does; the stats
// run on every core, since on a large folder they are most of the time.
func (r *Repo) worktreeHashes(entries []*index.Entry, indexTime time.Time) ([]plumbing.Hash, error) {
	out := make([]plumbing.Hash, len(entries))
	workers := min(runtime.GOMAXPROCS(0), max(len(entries)/512, 1))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			linked := map[string]bool{}
			for i := w; i < len(entries); i += workers {
				e := entries[i]
				// A folder replaced by a link is not looked through: the
				// file is not in the work tree, and what the link points
				// at may be outside the repository.
				if r.linkedDir(path.Dir(e.Name), linked) {
					continue
				}
				fi, err := os.Lstat(filepath.Join(r.Root, filepath.FromSlash(e.Name)))
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				if err != nil {
					errs[w] = fmt.Errorf("stat %s: %w", e.Name, err)
					return
				}
				// A file written in the same instant as the index may have
				// changed without its stat data showing it (git's "racy"
				// case): hash it.
				if uint32(fi.Size()) == e.Size && fi.ModTime().Equal(e.ModifiedAt) && fi.ModTime().Before(indexTime) {
					out[i] = e.Hash
					continue
				}
				if out[i], err = r.hashFile(e.Name, fi); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// linkedDir reports whether dir, or a folder above it, is a symbolic link
// in the work tree, remembering each folder's answer in seen.
func (r *Repo) linkedDir(dir string, seen map[string]bool) bool {
	if dir == "." || dir == "" || dir == "/" {
		return false
	}
	if v, ok := seen[dir]; ok {
		return v
	}
	v := r.linkedDir(path.Dir(dir), seen)
	if !v {
		fi, err := os.Lstat(filepath.Join(r.Root, filepath.FromSlash(dir)))
		v = err == nil && fi.Mode()&os.ModeSymlink != 0
	}
	seen[dir] = v
	return v
}

type dirFile struct {
	path  string
	entry os.DirEntry
}

// listFiles lists the files below prefix in the work tree.
func (r *Repo) listFiles(prefix string) ([]dirFile, error) {
	var out []dirFile
	var walk func(dir string) error
	walk = func(dir string) error {
		entries, err := os.ReadDir(filepath.Join(r.Root, filepath.FromSlash(dir)))
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("list %s: %w", dir, err)
		}
		for _, d := range entries {
			p := dir + "/" + d.Name()
			if d.IsDir() {
				if err := walk(p); err != nil {
					return err
				}
				continue
			}
			out = append(out, dirFile{p, d})
		}
		return nil
	}
	// A folder that is a link is never listed through: what it points at
	// may be outside the repository. (Links below it are files here.)
	top := strings.TrimSuffix(prefix, "/")
	if fi, err := os.Lstat(filepath.Join(r.Root, filepath.FromSlash(top))); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("list %s: not a folder", top)
	}
	return out, walk(top)
}

// indexModTime is when the index was written; zero (hash everything) when
// it cannot be told.
func indexModTime(r *Repo) time.Time {
	fi, err := os.Stat(filepath.Join(r.Root, ".git", "index"))
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}

// hashFile computes the blob hash of a work tree file as git would. A
// file that is neither regular nor a link (a pipe would block the read), or
// one too large to be a record, is never read: it gets a hash no tree holds,
// so it counts as changed and the validator reports it.
func (r *Repo) hashFile(rel string, fi os.FileInfo) (plumbing.Hash, error) {
	full := filepath.Join(r.Root, filepath.FromSlash(rel))
	if fi.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(full)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("read %s: %w", rel, err)
		}
		return plumbing.ComputeHash(plumbing.BlobObject, []byte(target)), nil
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxHashedFile {
		return unreadable, nil
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read %s: %w", rel, err)
	}
	return plumbing.ComputeHash(plumbing.BlobObject, data), nil
}

// maxHashedFile is far above any record; larger files are reported, not read.
const maxHashedFile = 16 << 20

// unreadable marks a file Changed did not read.
var unreadable = plumbing.NewHash("ffffffffffffffffffffffffffffffffffffffff")
