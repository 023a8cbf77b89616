//go:build linux && amd64

package libos

import "golang.org/x/sys/unix"

// syscallNames names the calls most often seen unsupported, for logs.
var syscallNames = map[uint64]string{
	unix.SYS_SOCKET: "socket", unix.SYS_CONNECT: "connect", unix.SYS_BIND: "bind",
	unix.SYS_LISTEN: "listen", unix.SYS_ACCEPT: "accept", unix.SYS_ACCEPT4: "accept4",
	unix.SYS_PTRACE: "ptrace", unix.SYS_MOUNT: "mount", unix.SYS_REBOOT: "reboot",
	unix.SYS_IOPL: "iopl", unix.SYS_IOPERM: "ioperm", unix.SYS_PRCTL: "prctl",
	unix.SYS_SETUID: "setuid", unix.SYS_SETGID: "setgid", unix.SYS_CHROOT: "chroot",
	unix.SYS_MKDIR: "mkdir", unix.SYS_UNLINK: "unlink", unix.SYS_RENAME: "rename",
	unix.SYS_POLL: "poll", unix.SYS_PPOLL: "ppoll", unix.SYS_SELECT: "select",
	unix.SYS_PIPE: "pipe", unix.SYS_PIPE2: "pipe2", unix.SYS_WAIT4: "wait4",
	unix.SYS_SIGNALFD4: "signalfd4", unix.SYS_TIMERFD_CREATE: "timerfd_create",
	unix.SYS_MINCORE: "mincore", unix.SYS_MLOCK: "mlock", unix.SYS_PKEY_ALLOC: "pkey_alloc",
	unix.SYS_MEMBARRIER: "membarrier", unix.SYS_STATX: "statx", unix.SYS_STATFS: "statfs",
	unix.SYS_FSTATFS: "fstatfs", unix.SYS_SENDFILE: "sendfile", unix.SYS_FSYNC: "fsync",
}

func syscallName(nr uint64) string {
	if n, ok := syscallNames[nr]; ok {
		return n
	}
	return "unknown"
}
