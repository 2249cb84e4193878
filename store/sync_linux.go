package store

import (
	"os"
	"syscall"
)

// preallocate reserves size bytes for f, so that a sync after an append does not also have to
// allocate blocks and grow the file.
func preallocate(f *os.File, size int64) error {
	err := syscall.Fallocate(int(f.Fd()), 0, 0, size)
	if err == syscall.EOPNOTSUPP || err == syscall.ENOSYS {
		return f.Truncate(size) // a file system without fallocate: a sparse file still works
	}
	return err
}

// datasync flushes f's data (and only the metadata needed to read it back) to the disk.
func datasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
