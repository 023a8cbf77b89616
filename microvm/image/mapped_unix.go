//go:build linux

package image

import (
	"errors"
	"fmt"
	"os"
	"time"

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
	b, release, _, err := mapSealedStamp(path)
	return b, release, err
}

// mapSealedStamp is mapSealed that also returns the file's stamp (see
// fileStamp), taken before its bytes are read; the stamp is the zero
// value unless the file is one mapSealed may map (whether or not mapping
// succeeded), the only files whose verification is ever remembered.
func mapSealedStamp(path string) ([]byte, func() error, fileStamp, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fileStamp{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, nil, fileStamp{}, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return nil, nil, fileStamp{}, fmt.Errorf("%w: %s is not a regular file", ErrFormat, path)
	case st.Size < 16:
		return nil, nil, fileStamp{}, ErrFormat
	case st.Size > MaxSealedSize:
		return nil, nil, fileStamp{}, fmt.Errorf("%w: %s: file too large", ErrFormat, path)
	}
	size := int(st.Size)
	var stamp fileStamp
	if mappable(fd, &st) {
		stamp = fileStamp{
			Dev: st.Dev, Ino: st.Ino, Size: st.Size,
			Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano(),
			Seen: time.Now().UnixNano(),
		}
		b, err := unix.Mmap(fd, 0, size, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_POPULATE)
		if err == nil {
			return b, func() error { return unix.Munmap(b) }, stamp, nil
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
			return nil, nil, fileStamp{}, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return nil, nil, fileStamp{}, &os.PathError{Op: "read", Path: path, Err: errors.New("file shrank while read")}
		}
		off += n
	}
	return b, nil, stamp, nil
}

// ownedSafely reports whether the open file fd (stat st) is a regular
// file that only this process's user or root can write: the condition
// under which a verification stamp is believed (verified.go).
func ownedSafely(st *unix.Stat_t) bool {
	euid := uint32(os.Geteuid())
	return st.Mode&unix.S_IFMT == unix.S_IFREG && (st.Uid == euid || st.Uid == 0) && st.Mode&0o022 == 0
}

// readStamp reads the verification stamp at path (verified.go) if it
// passes ownedSafely; it is refused otherwise, and never follows a
// symbolic link.
func readStamp(path string) ([]byte, bool) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || !ownedSafely(&st) || st.Size > maxStamp {
		return nil, false
	}
	b := make([]byte, maxStamp)
	n, err := unix.Read(fd, b)
	if err != nil {
		return nil, false
	}
	return b[:n], true
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
