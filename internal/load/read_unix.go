//go:build unix

package load

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// needsStat is errNeedsStat carrying the open's error.
type needsStat struct{ err error }

func (e *needsStat) Error() string        { return e.err.Error() }
func (e *needsStat) Is(target error) bool { return target == errNeedsStat }
func (e *needsStat) Unwrap() error        { return e.err }

// readFile reads at most MaxFileSize+1 bytes of the regular file name,
// whose size a stat gave. It calls the system directly: an *os.File adds a
// flag query, a poller registration attempt and a cleanup to every file,
// which for thousands of small records cost as much as the reads.
//
// The caller's lstat found a regular file; the open refuses a link all the
// same, so that a link swapped in since is not followed (errSwapped).
func readFile(name string, size int64) ([]byte, error) {
	data, _, err := readOpen(name, syscall.O_NOFOLLOW, size)
	if errors.Is(err, errNeedsStat) {
		if fi, lerr := os.Lstat(name); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, errSwapped
		}
		err = errors.Unwrap(err) // the open's own error, e.g. permission denied
	}
	return data, err
}

// readRegular reads name when it is a regular file no larger than
// MaxFileSize, without a stat before the open: the open refuses a
// symbolic link, and the fstat after it anything else that is not a
// regular file. errNeedsStat sends the caller to its lstat for a link (which
// it refuses) and for whatever else the open failed on; the size is
// returned with errTooLarge.
func readRegular(name string) ([]byte, int64, error) {
	return readOpen(name, syscall.O_NOFOLLOW, -1)
}

// readOpen opens name with the extra flags and reads it; size is what a
// stat said, or -1 to refuse a file the fstat finds too large.
func readOpen(name string, flags int, size int64) ([]byte, int64, error) {
	var fd int
	for {
		var err error
		// Non-blocking, so that a named pipe (or a file swapped for one
		// since the caller's stat) does not hang the open; the fstat below
		// refuses it.
		fd, err = syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK|flags, 0)
		if err == nil {
			break
		}
		switch {
		case err == syscall.EINTR:
			continue
		case flags&syscall.O_NOFOLLOW != 0 && err != syscall.ENOENT && err != syscall.ENOTDIR:
			// A link (ELOOP on Linux, EMLINK on FreeBSD, EFTYPE on
			// NetBSD), a socket (ENXIO) or anything else the open cannot
			// settle goes the way of a stat first.
			return nil, 0, &needsStat{&fs.PathError{Op: "open", Path: name, Err: err}}
		}
		return nil, 0, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, 0, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, 0, errNotRegular
	}
	if size < 0 {
		if st.Size > MaxFileSize {
			return nil, st.Size, errTooLarge
		}
		size = st.Size
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
			return nil, 0, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if n == 0 {
			break
		}
		buf = buf[:len(buf)+n]
	}
	return buf, size, nil
}
