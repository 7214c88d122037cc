package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCodeowners(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	owners := filepath.Join(dir, ".github", "CODEOWNERS")
	require.NoError(t, os.MkdirAll(filepath.Dir(owners), 0o755))
	handWritten := "# Maintainers\n*       @acme/maintainers\n/docs/  @acme/docs  \n"
	require.NoError(t, os.WriteFile(owners, []byte(handWritten), 0o644))

	code, out, _ := run(t, "codeowners", "check", "--repo", dir)
	assert.Equal(t, ExitNo, code)
	assert.Contains(t, out, "missing or out of step")

	code, _, errOut := run(t, "codeowners", "generate", "--repo", dir)
	require.Equal(t, ExitOK, code, errOut)
	got := mustRead(t, owners)
	assert.True(t, strings.HasPrefix(got, handWritten), "hand-written lines are kept byte for byte")
	assert.Contains(t, got, "/exceptions/cross_boundary/     @acme/security-reviewers @acme/cab\n")

	code, out, _ = run(t, "codeowners", "check", "--repo", dir)
	assert.Equal(t, ExitOK, code, out)

	// Generating again changes nothing.
	code, _, _ = run(t, "codeowners", "generate", "--repo", dir)
	require.Equal(t, ExitOK, code)
	assert.Equal(t, got, mustRead(t, owners))

	// A hand-written rule below the block takes a managed path away.
	require.NoError(t, os.WriteFile(owners, []byte(got+"/exceptions/**  @someone\n"), 0o644))
	code, out, _ = run(t, "codeowners", "check", "--repo", dir)
	assert.Equal(t, ExitNo, code)
	assert.Contains(t, out, `overrides the managed rule for /exceptions/cross_boundary/`)

	// The policy changes: the block is stale.
	require.NoError(t, os.WriteFile(owners, []byte(got), 0o644))
	pol := filepath.Join(dir, "exceptions", "policy.yaml")
	require.NoError(t, os.WriteFile(pol, []byte(strings.Replace(mustRead(t, pol), "acme/cab", "acme/change-board", 1)), 0o644))
	code, _, _ = run(t, "codeowners", "check", "--repo", dir)
	assert.Equal(t, ExitNo, code)

	// Two BEGIN markers: a person has to sort that out.
	require.NoError(t, os.WriteFile(owners, []byte(got+got), 0o644))
	code, _, errOut = run(t, "codeowners", "generate", "--repo", dir)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "malformed managed block")
}

func TestCodeownersNeedsTeams(t *testing.T) {
	dir := t.TempDir() // no policy: the default groups have no teams
	code, _, errOut := run(t, "codeowners", "generate", "--repo", dir)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, `group "security" has no GitHub team`)
	_, err := os.Stat(filepath.Join(dir, ".github", "CODEOWNERS"))
	assert.True(t, os.IsNotExist(err), "nothing is written")
}
