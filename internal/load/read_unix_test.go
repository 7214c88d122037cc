//go:build unix

package load

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A file swapped for a named pipe between the caller's stat and the open
// is refused, not waited on.
func TestReadFileRefusesANamedPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe.yaml")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	done := make(chan error, 1)
	go func() { _, err := readFile(fifo, 0); done <- err }()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, errNotRegular)
	case <-time.After(5 * time.Second):
		t.Fatal("readFile blocked opening a named pipe")
	}
}
