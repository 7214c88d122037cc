//go:build !unix

package load

import (
	"bytes"
	"io"
	"os"
)

// readFile reads at most MaxFileSize+1 bytes of the regular file name,
// whose size a stat gave.
func readFile(name string, size int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, errNotRegular
	}
	// Sized from the stat, as os.ReadFile does: io.ReadAll would start at
	// 512 bytes and copy its way up, allocating twice the file.
	buf := bytes.NewBuffer(make([]byte, 0, min(size, MaxFileSize)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxFileSize+1)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// readRegular has no open that refuses links here: errNeedsStat sends every
// read through the caller's stat first.
func readRegular(string) ([]byte, int64, error) { return nil, 0, errNeedsStat }
