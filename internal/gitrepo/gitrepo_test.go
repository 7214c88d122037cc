package gitrepo

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

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
