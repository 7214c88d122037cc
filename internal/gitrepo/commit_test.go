package gitrepo

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/exctl/exctl/internal/gittest"
)

func TestCommitAndPushWithTrailers(t *testing.T) {
	bare := t.TempDir()
	_, err := git.PlainInit(bare, true)
	require.NoError(t, err)

	g := gittest.New(t)
	g.Write("exceptions/a/1.yaml", "status: pending\n")
	g.Commit("request")
	_, err = g.Git.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{bare}})
	require.NoError(t, err)

	r, err := Open(g.Dir)
	require.NoError(t, err)
	msg := Message("exctl: approve exception 1", "Verified approvals on pull request #42.", []Trailer{
		{"Exception-Id", "1"}, {"Exception-Event", "EXCEPTION_APPROVED"}, {"Approved-by", "sec-bob (security)"}, {"Pull-Request", "#42"},
	})
	sig := object.Signature{Name: "exctl", Email: "exctl@example.com", When: time.Date(2026, 1, 7, 10, 0, 0, 0, time.UTC)}
	h, err := r.CommitFiles(map[string][]byte{"exceptions/a/1.yaml": []byte("status: approved\n")}, msg, sig)
	require.NoError(t, err)
	require.NoError(t, r.Push(context.Background(), "origin", "feature/request", h, "ignored-for-local-remotes"))

	// The git CLI reads what go-git wrote and pushed.
	out, err := exec.Command("git", "-C", bare, "log", "-1", "--format=%H%n%(trailers:key=Exception-Event,valueonly)%(trailers:key=Approved-by,valueonly)", "feature/request").CombinedOutput()
	require.NoError(t, err, string(out))
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	assert.Equal(t, h.String(), lines[0])
	assert.Equal(t, []string{"EXCEPTION_APPROVED", "sec-bob (security)"}, lines[1:])
	out, err = exec.Command("git", "-C", bare, "show", "feature/request:exceptions/a/1.yaml").CombinedOutput()
	require.NoError(t, err)
	assert.Equal(t, "status: approved\n", string(out))
	out, err = exec.Command("git", "-C", bare, "log", "--grep=Exception-Id: 1", "--format=%s", "feature/request").CombinedOutput()
	require.NoError(t, err)
	assert.Equal(t, "exctl: approve exception 1\n", string(out), "git log --grep alone answers an auditor")

	// Pushing the same commit again is not an error.
	require.NoError(t, r.Push(context.Background(), "origin", "feature/request", h, ""))

	data, ok, err := r.FileAt(h.String(), "exceptions/a/1.yaml")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "status: approved\n", string(data))
	_, ok, err = r.FileAt(h.String(), "exceptions/a/2.yaml")
	require.NoError(t, err)
	assert.False(t, ok)
	_, ok, err = r.FileAt("0123456789012345678901234567890123456789", "exceptions/a/1.yaml")
	require.NoError(t, err)
	assert.False(t, ok, "a commit not in the repository cannot be verified")
	_, ok, _ = r.FileAt("not-a-sha", "x")
	assert.False(t, ok)
}

func TestPushRejectedIsAnError(t *testing.T) {
	bare := t.TempDir()
	_, err := git.PlainInit(bare, true)
	require.NoError(t, err)
	a := gittest.New(t)
	a.Write("f", "a\n")
	ha := a.Commit("a")
	_, err = a.Git.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{bare}})
	require.NoError(t, err)
	ra, err := Open(a.Dir)
	require.NoError(t, err)
	require.NoError(t, ra.Push(context.Background(), "origin", "main", ha, ""))

	// Someone else's history on the branch: a non-fast-forward push fails.
	b := gittest.New(t)
	b.Write("f", "b\n")
	hb := b.Commit("b")
	_, err = b.Git.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{bare}})
	require.NoError(t, err)
	rb, err := Open(b.Dir)
	require.NoError(t, err)
	assert.Error(t, rb.Push(context.Background(), "origin", "main", hb, ""))
}
