//go:build unix

package load

import (
	"io/fs"
	"net"
	"os"
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
	err := withoutBlocking(t, func() error { _, err := readFile(fifo, 0); return err })
	assert.ErrorIs(t, err, errNotRegular)
}

// A record swapped for a link between the caller's lstat and the open is
// refused, not followed: the link could point at any file of the runner.
func TestReadFileRefusesALinkSwappedIn(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(dir, "outside.yaml")
	require.NoError(t, os.WriteFile(outside, []byte("secret: 1\n"), 0o644))
	link := filepath.Join(dir, "record.yaml")
	require.NoError(t, os.Symlink(outside, link))
	data, err := readFile(link, 10)
	assert.ErrorIs(t, err, errSwapped)
	assert.Empty(t, data)
}

// Other open errors keep their cause.
func TestReadFileKeepsTheOpenError(t *testing.T) {
	if os.Geteuid() == 0 {
		// root opens any file, so use a missing one instead.
		_, err := readFile(filepath.Join(t.TempDir(), "gone.yaml"), 1)
		assert.ErrorIs(t, err, fs.ErrNotExist)
		return
	}
	file := filepath.Join(t.TempDir(), "locked.yaml")
	require.NoError(t, os.WriteFile(file, []byte("a: 1\n"), 0o000))
	_, err := readFile(file, 5)
	assert.ErrorIs(t, err, fs.ErrPermission)
	assert.NotErrorIs(t, err, errSwapped)
}

// withoutBlocking runs read and fails the test if it has not returned
// within seconds: a named pipe opened for reading waits for a writer.
func withoutBlocking(t *testing.T, read func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- read() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("blocked opening a named pipe")
		return nil
	}
}

// readRegular settles a regular file, a link, a folder and an oversize
// file with one open and one fstat, and waits on nothing.
func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "r.yaml")
	require.NoError(t, os.WriteFile(file, []byte("a: 1\n"), 0o644))
	big := filepath.Join(dir, "big.yaml")
	require.NoError(t, os.WriteFile(big, make([]byte, MaxFileSize+7), 0o644))
	link := filepath.Join(dir, "link.yaml")
	require.NoError(t, os.Symlink(file, link))
	fifo := filepath.Join(dir, "pipe.yaml")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))

	data, _, err := readRegular(file)
	require.NoError(t, err)
	assert.Equal(t, "a: 1\n", string(data))

	data, size, err := readRegular(big)
	assert.ErrorIs(t, err, errTooLarge)
	assert.Equal(t, int64(MaxFileSize+7), size)
	assert.Nil(t, data)

	_, _, err = readRegular(link)
	assert.ErrorIs(t, err, errNeedsStat)
	_, _, err = readRegular(dir)
	assert.ErrorIs(t, err, errNotRegular)
	_, _, err = readRegular(filepath.Join(dir, "absent.yaml"))
	assert.ErrorIs(t, err, fs.ErrNotExist)

	err = withoutBlocking(t, func() error { _, _, err := readRegular(fifo); return err })
	assert.ErrorIs(t, err, errNotRegular)
}

// A socket where a record should be is a finding like any other file
// that is not a regular one, not an error from the open.
func TestDirSourceReadSocket(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "exceptions"), 0o755))
	l, err := net.Listen("unix", filepath.Join(root, "exceptions", "s.yaml"))
	require.NoError(t, err)
	defer l.Close()
	_, err = DirSource{Root: root}.Read("exceptions/s.yaml")
	var le *Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "not a regular file", le.Msg)
}
