//go:build linux

package image

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// mapSealed returns the bytes of the sealed image file at path, and the
// function that releases them (nil when they are ordinary memory).
//
// # Why mapping is safe here
//
// A mapped file's pages are the page cache's: a write to the file after
// Decode checked the bytes would change what runs, which reading into
// private memory rules out. So the file is mapped only when nobody who
// could write it is less trusted than this process already is: it is
// owned by this process's effective user or by root, no group or other
// write permission is set (with POSIX ACLs the group bits are the ACL
// mask, so no named user or group can write either), and it is on a
// local file system (not NFS, SMB, FUSE and the like, whose content
// another machine or process may change). The users who can still write
// it (its owner, root) can already change this process's memory (ptrace,
// /proc/PID/mem). Any other file is read into private memory, as before.
// Truncating a mapped file while it is used ends the process with
// SIGBUS; only those same users can.
func mapSealed(path string) ([]byte, func() error, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return nil, nil, fmt.Errorf("%w: %s is not a regular file", ErrFormat, path)
	case st.Size < 16:
		return nil, nil, ErrFormat
	case st.Size > MaxSealedSize:
		return nil, nil, fmt.Errorf("%w: %s: file too large", ErrFormat, path)
	}
	size := int(st.Size)
	if mappable(fd, &st) {
		b, err := unix.Mmap(fd, 0, size, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_POPULATE)
		if err == nil {
			return b, func() error { return unix.Munmap(b) }, nil
		}
		// Fall back to reading (a file system without mmap).
	}
	b := make([]byte, size)
	for off := 0; off < size; {
		n, err := unix.Pread(fd, b[off:], int64(off))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return nil, nil, &os.PathError{Op: "read", Path: path, Err: errors.New("file shrank while read")}
		}
		off += n
	}
	return b, nil, nil
}

// Magic numbers of file systems whose content can change without a
// local writer (statfs(2), linux/magic.h).
var remoteFS = map[int64]bool{
	0x6969:     true, // NFS_SUPER_MAGIC
	0x517b:     true, // SMB_SUPER_MAGIC
	0xff534d42: true, // CIFS_SUPER_MAGIC
	0xfe534d42: true, // SMB2_SUPER_MAGIC
	0x65735546: true, // FUSE_SUPER_MAGIC
	0x00c36400: true, // CEPH_SUPER_MAGIC
	0x5346414f: true, // AFS_FS_MAGIC
	0x6b414653: true, // AFS_SUPER_MAGIC
	0x01021997: true, // V9FS_MAGIC
	0x73757245: true, // CODA_SUPER_MAGIC
	0x47504653: true, // GPFS_SUPER_MAGIC
	0x0bd00bd0: true, // LUSTRE_SUPER_MAGIC
}

// mappable reports whether the open file fd (stat st) may be mapped
// instead of read: see mapSealed.
func mappable(fd int, st *unix.Stat_t) bool {
	euid := uint32(os.Geteuid())
	if st.Uid != euid && st.Uid != 0 || st.Mode&0o022 != 0 {
		return false
	}
	var fs unix.Statfs_t
	if err := unix.Fstatfs(fd, &fs); err != nil {
		return false
	}
	return !remoteFS[int64(fs.Type)]
}
