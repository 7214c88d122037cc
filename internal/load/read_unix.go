//go:build unix

package load

import (
	"io/fs"
	"syscall"
)

// readFile reads at most MaxFileSize+1 bytes of the regular file name,
// whose size a stat gave. It calls the system directly: an *os.File adds a
// flag query, a poller registration attempt and a cleanup to every file,
// which for thousands of small records cost as much as the reads.
func readFile(name string, size int64) ([]byte, error) {
	var fd int
	for {
		var err error
		// Non-blocking, so that a file swapped for a named pipe since the
		// caller's stat does not hang the open; the fstat below refuses it.
		fd, err = syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err == nil {
			break
		}
		if err != syscall.EINTR {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, errNotRegular
	}
	// One byte over the stat's size, so that a file that grew since is
	// read to its end rather than cut at the size it had.
	buf := make([]byte, 0, min(size, MaxFileSize)+1)
	for len(buf) <= MaxFileSize {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		end := min(cap(buf), MaxFileSize+1)
		n, err := syscall.Read(fd, buf[len(buf):end])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if n == 0 {
			break
		}
		buf = buf[:len(buf)+n]
	}
	return buf, nil
}
