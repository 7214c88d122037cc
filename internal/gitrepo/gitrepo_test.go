package gitrepo

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/gittest"
)

func changed(t *testing.T, dir, base string) []string {
	t.Helper()
	r, err := Open(dir)
	require.NoError(t, err)
	got, err := r.Changed(base, "exceptions")
	require.NoError(t, err)
	sort.Strings(got)
	return got
}

func TestChanged(t *testing.T) {
	g := gittest.New(t)
	g.Write("exceptions/a/1.yaml", "one\n")
	g.Write("exceptions/a/2.yaml", "two\n")
	g.Write("exceptions/b/3.yaml", "three\n")
	g.Write("README.md", "outside the folder\n")
	base := g.Commit("base").String()

	assert.Empty(t, changed(t, g.Dir, base), "a clean work tree changes nothing")

	// A committed change on a branch.
	g.Branch("feature")
	g.Write("README.md", "changed, but not a record\n")
	assert.Empty(t, changed(t, g.Dir, base))
	g.Write("exceptions/a/1.yaml", "one, edited\n")
	g.Commit("edit 1")
	assert.Equal(t, []string{"exceptions/a/1.yaml"}, changed(t, g.Dir, base))
	assert.Equal(t, []string{"exceptions/a/1.yaml"}, changed(t, g.Dir, "main"), "a branch name works as base")

	// Uncommitted: modified (same size, so only the content hash tells),
	// added and untracked, deleted.
	g.Write("exceptions/b/3.yaml", "THREE\n")
	g.Write("exceptions/c/4.yaml", "four\n")
	g.Remove("exceptions/a/2.yaml")
	assert.Equal(t, []string{"exceptions/a/1.yaml", "exceptions/a/2.yaml", "exceptions/b/3.yaml", "exceptions/c/4.yaml"}, changed(t, g.Dir, base))

	// Reverting a change in the work tree makes it disappear again.
	g.Write("exceptions/a/1.yaml", "one\n")
	assert.NotContains(t, changed(t, g.Dir, base), "exceptions/a/1.yaml")
}

func TestChangedSeesEditsWithUnchangedStat(t *testing.T) {
	g := gittest.New(t)
	g.Write("exceptions/a/1.yaml", "one\n")
	base := g.Commit("base").String()
	// Same size, and the modification time set back to what the index
	// recorded: the racy-git check must still catch it because the file
	// is not older than the index.
	p := filepath.Join(g.Dir, "exceptions/a/1.yaml")
	fi, err := os.Stat(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, []byte("One\n"), 0o644))
	require.NoError(t, os.Chtimes(p, fi.ModTime(), fi.ModTime()))
	idx := filepath.Join(g.Dir, ".git", "index")
	require.NoError(t, os.Chtimes(idx, fi.ModTime(), fi.ModTime()))
	assert.Equal(t, []string{"exceptions/a/1.yaml"}, changed(t, g.Dir, base))
}

func TestChangedAgreesWithGitCLI(t *testing.T) {
	g := gittest.New(t)
	for i, name := range []string{"a/1", "a/2", "b/3", "b/4"} {
		g.Write("exceptions/"+name+".yaml", string(rune('a'+i))+"\n")
	}
	base := g.Commit("base").String()
	g.GitCLI("rm", "-q", "exceptions/a/2.yaml")
	g.Write("exceptions/b/3.yaml", "changed by hand\n")
	g.GitCLI("add", "exceptions/b/3.yaml")
	g.Write("exceptions/b/5.yaml", "new\n")
	// git diff shows untracked files once they are intent-to-add.
	g.GitCLI("add", "-N", "exceptions/b/5.yaml")
	wantList := strings.Fields(g.GitCLI("diff", "--name-only", base, "--", "exceptions"))
	sort.Strings(wantList)
	assert.Equal(t, wantList, changed(t, g.Dir, base))
}

func TestFilesAndBlob(t *testing.T) {
	g := gittest.New(t)
	g.Write("exceptions/a/1.yaml", "one\n")
	g.Write("other/x", "x\n")
	g.Commit("c")
	r, err := Open(filepath.Join(g.Dir, "exceptions"))
	require.NoError(t, err, "opens from a subfolder")
	tree, err := r.Tree("HEAD")
	require.NoError(t, err)
	files, err := Files(tree, "exceptions")
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Equal(t, "exceptions/a/1.yaml", files[0].Path)
	data, err := r.Blob(files[0].Hash)
	require.NoError(t, err)
	assert.Equal(t, "one\n", string(data))
	none, err := Files(tree, "missing")
	require.NoError(t, err)
	assert.Empty(t, none)
	_, err = r.Tree("no-such-rev")
	assert.Error(t, err)
	_, err = Open(t.TempDir())
	assert.ErrorIs(t, err, ErrNotRepository)
}

func TestChangedDoesNotReadPipesOrHugeFiles(t *testing.T) {
	g := gittest.New(t)
	g.Write("exceptions/a/1.yaml", "one\n")
	base := g.Commit("base").String()
	require.NoError(t, syscall.Mkfifo(filepath.Join(g.Dir, "exceptions/a/pipe.yaml"), 0o644))
	big := make([]byte, maxHashedFile+1)
	require.NoError(t, os.WriteFile(filepath.Join(g.Dir, "exceptions/a/big.yaml"), big, 0o644))
	done := make(chan []string, 1)
	go func() { done <- changed(t, g.Dir, base) }()
	select {
	case got := <-done:
		assert.Equal(t, []string{"exceptions/a/big.yaml", "exceptions/a/pipe.yaml"}, got)
	case <-time.After(10 * time.Second):
		t.Fatal("Changed blocked on a named pipe")
	}
}

// The folders git's cache-tree extension says are unchanged are taken
// from the index instead of the base tree: every state of the index and
// work tree must give what decoding the whole base tree gives, and what
// git itself says.
func TestChangedUsesTheCacheTreeOnlyWhereItHolds(t *testing.T) {
	g := gittest.New(t)
	for i, name := range []string{"a/1", "a/2", "b/3", "b/4", "c/5", "c/d/6"} {
		g.Write("exceptions/"+name+".yaml", string(rune('a'+i))+"\n")
	}
	g.GitCLI("add", "-A")
	g.GitCLI("commit", "-q", "-m", "base")
	base := strings.TrimSpace(g.GitCLI("rev-parse", "HEAD"))
	g.GitCLI("checkout", "-q", "-b", "change")
	g.Write("exceptions/a/1.yaml", "edited on the branch\n")
	g.GitCLI("commit", "-q", "-am", "edit a/1")

	agree := func(t *testing.T) {
		t.Helper()
		r, err := Open(g.Dir)
		require.NoError(t, err)
		with, err := r.changed(base, "exceptions", true)
		require.NoError(t, err)
		without, err := r.changed(base, "exceptions", false)
		require.NoError(t, err)
		sort.Strings(with)
		sort.Strings(without)
		assert.Equal(t, without, with)
		want := strings.Fields(g.GitCLI("diff", "--name-only", base, "--", "exceptions"))
		sort.Strings(want)
		assert.Equal(t, want, with)
	}

	t.Run("committed on a branch: untouched folders come from the index", func(t *testing.T) {
		r, err := Open(g.Dir)
		require.NoError(t, err)
		idx, err := r.Git.Storer.Index()
		require.NoError(t, err)
		cached := cacheTree(idx.Cache, idx.Entries)
		baseTree, err := r.Tree(base)
		require.NoError(t, err)
		for _, dir := range []string{"exceptions/b", "exceptions/c", "exceptions/c/d"} {
			sub, err := baseTree.Tree(dir)
			require.NoError(t, err)
			assert.Equal(t, sub.Hash, cached[dir], "%s is unchanged and cached", dir)
		}
		a, err := baseTree.Tree("exceptions/a")
		require.NoError(t, err)
		assert.NotEqual(t, a.Hash, cached["exceptions/a"], "exceptions/a changed on the branch")
		agree(t)
	})
	t.Run("edited in the work tree only", func(t *testing.T) {
		g.Write("exceptions/c/5.yaml", "edited, not staged\n")
		agree(t)
	})
	t.Run("staged, intent-to-add and removed", func(t *testing.T) {
		g.Write("exceptions/b/7.yaml", "new\n")
		g.GitCLI("add", "exceptions/b/7.yaml")
		g.Write("exceptions/c/d/8.yaml", "intent to add\n")
		g.GitCLI("add", "-N", "exceptions/c/d/8.yaml")
		g.GitCLI("rm", "-q", "exceptions/a/2.yaml")
		agree(t)
	})
	t.Run("a whole folder deleted and the rest committed", func(t *testing.T) {
		g.GitCLI("rm", "-q", "-r", "-f", "exceptions/b")
		g.GitCLI("add", "-A")
		g.GitCLI("commit", "-q", "-m", "more")
		agree(t)
	})
	t.Run("an empty intent-to-add file, then a commit of something else", func(t *testing.T) {
		g.Write("exceptions/c/d/9.yaml", "")
		g.GitCLI("add", "-N", "exceptions/c/d/9.yaml")
		g.Write("exceptions/a/1.yaml", "edited again\n")
		g.GitCLI("add", "exceptions/a/1.yaml")
		g.GitCLI("commit", "-q", "-m", "again")
		agree(t)
	})
}

func TestCacheTreeIsTrustedOnlyWhole(t *testing.T) {
	h := plumbing.NewHash("1111111111111111111111111111111111111111")
	entries := []*index.Entry{{Name: "exceptions/a/1.yaml"}, {Name: "exceptions/a/2.yaml"}, {Name: "README.md"}}
	tests := []struct {
		name string
		tree *index.Tree
		want map[string]plumbing.Hash
	}{
		{"whole and matching the index", &index.Tree{Entries: []index.TreeEntry{
			{Path: "", Entries: 3, Trees: 1}, {Path: "exceptions", Entries: 2, Trees: 1}, {Path: "a", Entries: 2, Hash: h},
		}}, map[string]plumbing.Hash{"": {}, "exceptions": {}, "exceptions/a": h}},
		{"none", nil, nil},
		{"root invalidated (dropped by go-git)", &index.Tree{Entries: []index.TreeEntry{
			{Path: "exceptions", Entries: 2, Trees: 1}, {Path: "a", Entries: 2, Hash: h},
		}}, nil},
		{"more subtrees promised than listed", &index.Tree{Entries: []index.TreeEntry{
			{Path: "", Entries: 3, Trees: 3}, {Path: "exceptions", Entries: 2},
		}}, nil},
		{"entries left over", &index.Tree{Entries: []index.TreeEntry{
			{Path: "", Entries: 3, Trees: 0}, {Path: "exceptions", Entries: 2},
		}}, nil},
		{"a count that is not the index's", &index.Tree{Entries: []index.TreeEntry{
			{Path: "", Entries: 3, Trees: 1}, {Path: "exceptions", Entries: 5, Trees: 0},
		}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cacheTree(tt.tree, entries))
		})
	}
}

// go-git drops the cache-tree entries git has invalidated but keeps their
// subtrees, so after a staged change the list no longer says where each
// folder sits. Read as if it did, exceptions/exceptions below an
// invalidated exceptions/ passed for the top folder, matched the base's
// exceptions/ tree, and every change went unseen.
func TestChangedIgnoresACacheTreeWithInvalidatedFolders(t *testing.T) {
	g := gittest.New(t)
	g.Write("exceptions/a.yaml", "a\n")
	g.GitCLI("add", "-A")
	g.GitCLI("commit", "-q", "-m", "base")
	base := strings.TrimSpace(g.GitCLI("rev-parse", "HEAD"))
	g.GitCLI("checkout", "-q", "-b", "change")
	require.NoError(t, os.MkdirAll(filepath.Join(g.Dir, "exceptions/exceptions"), 0o755))
	g.GitCLI("mv", "exceptions/a.yaml", "exceptions/exceptions/a.yaml")
	g.GitCLI("commit", "-q", "-m", "move")
	g.Write("exceptions/new.yaml", "new\n")
	g.GitCLI("add", "exceptions/new.yaml")

	want := strings.Fields(g.GitCLI("diff", "--name-only", "--no-renames", base, "--", "exceptions"))
	sort.Strings(want)
	require.Len(t, want, 3)
	assert.Equal(t, want, changed(t, g.Dir, base))
}

// A tracked file below a folder that the work tree replaced by a link is
// not looked at through the link (it may point out of the repository).
func TestLinkedDir(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "exceptions", "real"), 0o755))
	require.NoError(t, os.Symlink(t.TempDir(), filepath.Join(root, "exceptions", "out")))
	require.NoError(t, os.Symlink(filepath.Join(root, "exceptions"), filepath.Join(root, "top")))
	r := &Repo{Root: root}
	seen := map[string]bool{}
	for dir, want := range map[string]bool{
		"exceptions":           false,
		"exceptions/real":      false,
		"exceptions/out":       true,
		"exceptions/out/deep":  true,
		"top/real":             true,
		"exceptions/missing/x": false,
		".":                    false,
	} {
		assert.Equal(t, want, r.linkedDir(dir, seen), dir)
	}
}

// A tracked folder replaced in the work tree by a link: its files count as
// changed (gone), and the link as a new file, whatever it points at.
func TestChangedFolderReplacedByALink(t *testing.T) {
	g := gittest.New(t)
	g.Write("exceptions/a/1.yaml", "one\n")
	g.Write("exceptions/b/2.yaml", "two\n")
	base := g.Commit("base").String()
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "1.yaml"), []byte("one\n"), 0o644))
	require.NoError(t, os.RemoveAll(filepath.Join(g.Dir, "exceptions", "a")))
	require.NoError(t, os.Symlink(outside, filepath.Join(g.Dir, "exceptions", "a")))
	assert.Equal(t, []string{"exceptions/a", "exceptions/a/1.yaml"}, changed(t, g.Dir, base))
}

// A crafted tree can hold names git would never check out. Files lists
// them, marked, instead of stopping at the first without saying where.
func TestFilesMarksUnsafeNames(t *testing.T) {
	g := gittest.New(t)
	g.Write("exceptions/a/1.yaml", "one\n")
	g.Commit("c")
	r, err := Open(g.Dir)
	require.NoError(t, err)
	st := r.Git.Storer
	blob := func(s string) plumbing.Hash {
		o := st.NewEncodedObject()
		o.SetType(plumbing.BlobObject)
		w, err := o.Writer()
		require.NoError(t, err)
		_, err = w.Write([]byte(s))
		require.NoError(t, err)
		require.NoError(t, w.Close())
		h, err := st.SetEncodedObject(o)
		require.NoError(t, err)
		return h
	}
	tree := func(entries ...object.TreeEntry) *object.Tree {
		tr := &object.Tree{Entries: entries}
		o := st.NewEncodedObject()
		require.NoError(t, tr.Encode(o))
		h, err := st.SetEncodedObject(o)
		require.NoError(t, err)
		got, err := object.GetTree(st, h)
		require.NoError(t, err)
		return got
	}
	up := tree(object.TreeEntry{Name: "x.yaml", Mode: filemode.Regular, Hash: blob("x\n")})
	typ := tree(
		object.TreeEntry{Name: "..", Mode: filemode.Dir, Hash: up.Hash},
		object.TreeEntry{Name: "bad\x01.yaml", Mode: filemode.Regular, Hash: blob("b\n")},
		object.TreeEntry{Name: "good.yaml", Mode: filemode.Regular, Hash: blob("g\n")},
	)
	root := tree(object.TreeEntry{Name: "exceptions", Mode: filemode.Dir, Hash: tree(object.TreeEntry{Name: "a", Mode: filemode.Dir, Hash: typ.Hash}).Hash})

	files, err := Files(root, "exceptions")
	require.NoError(t, err)
	got := map[string]bool{}
	for _, f := range files {
		got[f.Path] = f.Unsafe
	}
	assert.Equal(t, map[string]bool{
		"exceptions/a/..":           true,
		"exceptions/a/../x.yaml":    true,
		"exceptions/a/bad\x01.yaml": true,
		"exceptions/a/good.yaml":    false,
	}, got)
}
