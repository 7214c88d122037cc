//go:build unix

package cli

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A named pipe (or a terminal) at --out is never read when an export fails:
// reading it would block.
func TestExportFailureDoesNotReadAPipe(t *testing.T) {
	dir := t.TempDir()
	copyExamples(t, dir)
	fifo := filepath.Join(t.TempDir(), "pipe")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	done := make(chan int, 1)
	go func() {
		c, _, _ := run(t, "export", "grype", "--repo", dir, "--now", "soon", "--out", fifo)
		done <- c
	}()
	select {
	case c := <-done:
		assert.Equal(t, ExitError, c)
	case <-time.After(10 * time.Second):
		t.Fatal("blocked reading a named pipe at --out")
	}
}
