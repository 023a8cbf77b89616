//go:build linux && amd64

package libos

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"nexusos/hyper"
)

// fileKind is what an open file descriptor refers to.
type fileKind uint8

const (
	kindStdin fileKind = iota
	kindStdout
	kindStderr
	kindFile
	kindDir
	kindEpoll
	kindEventfd
	kindPipe
	kindSocket
	kindTmpFile
	kindTmpDir
)

// Limits on the file table and on what is read from the file tree.
const (
	maxFDs      = 1024
	maxPath     = 4096
	maxDirents  = 1 << 16
	maxReadAll  = 256 << 20
	maxEpollEvs = 1024
)

// openFile is one open file description (shared by dup'd descriptors).
type openFile struct {
	kind fileKind
	name string // path in the file tree, "." for the root

	mu sync.Mutex
	// off is the file offset or the directory position; guarded by mu.
	off int64

	data io.ReaderAt
	size int64
	info fs.FileInfo
	ents []fs.DirEntry

	counter  uint64 // eventfd value; guarded by the table's mu
	gen      uint64 // eventfd writes (epoll's edge trigger); guarded by the table's mu
	interest map[int32]epollInterest

	// pipe is the pipe of a kindPipe file, whose write end it is when
	// writeEnd is set.
	pipe     *pipe
	writeEnd bool
	// sock is the connection of a kindSocket file (nil until an inet
	// socket connects or is accepted); inet is set for AF_INET sockets.
	sock atomic.Pointer[sockEnd]
	inet *inetSock
	// node is the scratch file or directory of a kindTmpFile/kindTmpDir.
	node *tmpNode
	// status holds the access mode and the O_NONBLOCK and O_APPEND status
	// flags (F_GETFL, F_SETFL).
	status atomic.Uint32
}

type epollInterest struct {
	events uint32
	data   uint64
	// seen is the file's change count when last reported (edge trigger).
	seen uint64
}

// bytesAt returns up to n bytes of a regular file from off.
func (f *openFile) bytesAt(off, n int64) []byte {
	if f.node != nil {
		s := f.node.fs
		s.mu.Lock()
		defer s.mu.Unlock()
		data := f.node.data
		if off < 0 || n <= 0 || off >= int64(len(data)) {
			return nil
		}
		return append([]byte(nil), data[off:off+min(n, int64(len(data))-off)]...)
	}
	if off < 0 || n <= 0 || off >= f.size || f.data == nil {
		return nil
	}
	n = min(n, f.size-off)
	b := make([]byte, n)
	k, _ := f.data.ReadAt(b, off)
	return b[:k]
}

// fileTable maps descriptors to open files. It is safe for concurrent use.
type fileTable struct {
	fsys  fs.FS
	stdin io.Reader
	out   io.Writer
	err   io.Writer

	in stdinPump

	mu sync.Mutex
	// fds are the open descriptors; guarded by mu.
	fds map[int32]*openFile
	// cloexec holds the descriptors with FD_CLOEXEC; guarded by mu.
	cloexec map[int32]bool
	// ready is closed (and replaced) whenever a pollable file changes
	// (an eventfd written, a pipe read, written or closed); guarded by mu.
	ready chan struct{}

	// tmp is the scratch file system under /tmp, nil without one.
	tmp *tmpFS
	// net is the VM's loopback network (inet sockets), nil unless
	// granted.
	net *loopback
	// umask clears permission bits of files and directories created
	// (022 at start, as a login shell leaves it).
	umask atomic.Uint32
}

// notify wakes the callers of poll, select and epoll_wait to look again.
func (t *fileTable) notify() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.notifyLocked()
}

// Preconditions: t.mu is held.
func (t *fileTable) notifyLocked() {
	close(t.ready)
	t.ready = make(chan struct{})
}

func newFileTable(cfg Config) *fileTable {
	t := &fileTable{
		fsys: cfg.files, stdin: cfg.stdin, out: cfg.stdout, err: cfg.stderr,
		fds:     map[int32]*openFile{},
		cloexec: map[int32]bool{},
		ready:   make(chan struct{}),
	}
	if cfg.scratch > 0 {
		now := cfg.now
		if cfg.fakeClock {
			// Scratch files' times must not tell the real time either.
			now = func() time.Time { return time.Unix(int64(fakeEpoch/time.Second), 0) }
		}
		t.tmp = newTmpFS(cfg.scratch, now)
	}
	t.umask.Store(0o022)
	if cfg.loopback {
		t.net = &loopback{ports: map[uint16]*openFile{}, nextPort: ephemeralFirst}
	}
	t.fds[0] = &openFile{kind: kindStdin, name: "dev/stdin"}
	t.fds[1] = &openFile{kind: kindStdout, name: "dev/stdout"}
	t.fds[2] = &openFile{kind: kindStderr, name: "dev/stderr"}
	t.fds[1].status.Store(unix.O_WRONLY)
	t.fds[2].status.Store(unix.O_WRONLY)
	return t
}

func (t *fileTable) get(fd int32) *openFile {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fds[fd]
}

// install gives f the lowest free descriptor >= lowest.
func (t *fileTable) install(f *openFile, lowest int32) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.installLocked(f, lowest, false)
}

// Preconditions: t.mu is held.
func (t *fileTable) installLocked(f *openFile, lowest int32, cloexec bool) uint64 {
	for fd := max(lowest, 0); fd < maxFDs; fd++ {
		if _, used := t.fds[fd]; !used {
			t.fds[fd] = f
			if cloexec {
				t.cloexec[fd] = true
			}
			return uint64(fd)
		}
	}
	return errno(unix.EMFILE)
}

func (t *fileTable) close(fd int32) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closeLocked(fd)
}

// closeLocked removes fd and releases its file once no descriptor refers
// to it.
//
// Preconditions: t.mu is held.
func (t *fileTable) closeLocked(fd int32) uint64 {
	f, ok := t.fds[fd]
	if !ok {
		return errno(unix.EBADF)
	}
	delete(t.fds, fd)
	delete(t.cloexec, fd)
	for _, o := range t.fds {
		if o == f {
			return 0
		}
	}
	if c, ok := f.data.(io.Closer); ok {
		c.Close()
	}
	if f.pipe != nil {
		f.pipe.release(f.writeEnd)
		t.notifyLocked()
	}
	if s := f.sock.Load(); s != nil {
		s.shutdown(true, true)
		t.notifyLocked()
	}
	if f.inet != nil {
		t.net.release(f)
		t.notifyLocked()
	}
	if f.node != nil {
		f.node.close()
	}
	return 0
}

// withTmpEntry adds "tmp" to the root's entries (the scratch mount point)
// if the file tree has none.
func withTmpEntry(ents []fs.DirEntry) []fs.DirEntry {
	for _, e := range ents {
		if e.Name() == tmpMount {
			return ents
		}
	}
	out := append(ents[:len(ents):len(ents)], tmpDirEntry{name: tmpMount, dir: true})
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

func (t *fileTable) dup(fd, lowest int32, cloexec bool) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.fds[fd]
	if f == nil {
		return errno(unix.EBADF)
	}
	return t.installLocked(f, lowest, cloexec)
}

// dup2 makes newfd refer to oldfd's file, closing what newfd held. dup3
// (strict) refuses oldfd == newfd.
func (t *fileTable) dup2(oldfd, newfd int32, strict, cloexec bool) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.fds[oldfd]
	if !ok || newfd < 0 || newfd >= maxFDs {
		return errno(unix.EBADF)
	}
	if oldfd == newfd {
		if strict {
			return errno(unix.EINVAL)
		}
		return uint64(newfd)
	}
	if _, used := t.fds[newfd]; used {
		t.closeLocked(newfd)
	}
	t.fds[newfd] = f
	if cloexec {
		t.cloexec[newfd] = true
	}
	return uint64(newfd)
}

// resolve turns a guest path (relative to dirfd) into a clean fs.FS name.
func (t *fileTable) resolve(p *Process, dirfd int32, pathVA uint64) (string, uint64) {
	name, err := p.as.ReadString(pathVA, maxPath)
	if err != nil {
		if errors.Is(err, hyper.ErrFault) {
			return "", errno(unix.EFAULT)
		}
		return "", errno(unix.ENAMETOOLONG)
	}
	if name == "" {
		return "", errno(unix.ENOENT)
	}
	base := "/"
	if !strings.HasPrefix(name, "/") && dirfd != unix.AT_FDCWD {
		d := t.get(dirfd)
		if d == nil {
			return "", errno(unix.EBADF)
		}
		if d.kind != kindDir && d.kind != kindTmpDir {
			return "", errno(unix.ENOTDIR)
		}
		base = "/" + d.name
	}
	clean := path.Clean(path.Join(base, name)) // ".." cannot climb above "/"
	clean = strings.TrimPrefix(clean, "/")
	if clean == "" {
		clean = "."
	}
	if !fs.ValidPath(clean) {
		return "", errno(unix.ENOENT)
	}
	return clean, 0
}

func errnoFor(err error) uint64 {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errno(unix.ENOENT)
	case errors.Is(err, fs.ErrPermission):
		return errno(unix.EACCES)
	case errors.Is(err, fs.ErrInvalid):
		return errno(unix.EINVAL)
	case strings.Contains(err.Error(), "escapes from parent"):
		// os.Root refusing a symbolic link out of the tree (its error
		// value is not exported).
		return errno(unix.EACCES)
	}
	return errno(unix.EIO)
}

func (t *fileTable) stat(name string) (fs.FileInfo, uint64) {
	if t.fsys == nil {
		if name == "." {
			return rootInfo{}, 0
		}
		return nil, errno(unix.ENOENT)
	}
	info, err := fs.Stat(t.fsys, name)
	if err != nil {
		return nil, errnoFor(err)
	}
	return info, 0
}

func (t *fileTable) openat(p *Process, dirfd int32, pathVA, flags, mode uint64) uint64 {
	name, e := t.resolve(p, dirfd, pathVA)
	if e != 0 {
		return e
	}
	if rel, ok := t.tmpRel(name); ok {
		return t.tmpOpen(name, rel, flags, mode)
	}
	info, e := t.stat(name)
	if e != 0 {
		if flags&unix.O_CREAT != 0 {
			return errno(unix.EROFS)
		}
		return e
	}
	if flags&(unix.O_WRONLY|unix.O_RDWR|unix.O_CREAT|unix.O_TRUNC|unix.O_APPEND) != 0 {
		if info.IsDir() {
			return errno(unix.EISDIR)
		}
		return errno(unix.EROFS)
	}
	f := &openFile{name: name, info: info}
	switch {
	case info.IsDir():
		f.kind = kindDir
		if t.fsys != nil {
			ents, err := fs.ReadDir(t.fsys, name)
			if err != nil {
				return errnoFor(err)
			}
			if len(ents) > maxDirents {
				ents = ents[:maxDirents]
			}
			f.ents = ents
		}
		if name == "." && t.tmp != nil {
			f.ents = withTmpEntry(f.ents)
		}
	case info.Mode().IsRegular():
		if flags&unix.O_DIRECTORY != 0 {
			return errno(unix.ENOTDIR)
		}
		f.kind = kindFile
		h, err := t.fsys.Open(name)
		if err != nil {
			return errnoFor(err)
		}
		f.size = info.Size()
		if ra, ok := h.(io.ReaderAt); ok {
			f.data = ra
		} else {
			b, err := io.ReadAll(io.LimitReader(h, maxReadAll+1))
			h.Close()
			if err != nil {
				return errno(unix.EIO)
			}
			if len(b) > maxReadAll {
				return errno(unix.EFBIG)
			}
			f.data, f.size = bytes.NewReader(b), int64(len(b))
		}
	default:
		return errno(unix.EACCES)
	}
	f.status.Store(unix.O_RDONLY | uint32(flags&unix.O_NONBLOCK))
	t.mu.Lock()
	fd := t.installLocked(f, 0, flags&unix.O_CLOEXEC != 0)
	t.mu.Unlock()
	if int64(fd) < 0 {
		if c, ok := f.data.(io.Closer); ok {
			c.Close()
		}
	}
	return fd
}

func (t *fileTable) read(p *Process, th *thread, fd int32, buf, count uint64, at int64) uint64 {
	f := t.get(fd)
	if f == nil {
		return errno(unix.EBADF)
	}
	if f.status.Load()&unix.O_ACCMODE == unix.O_WRONLY {
		return errno(unix.EBADF)
	}
	n := min(count, maxIO)
	switch f.kind {
	case kindPipe:
		if at >= 0 {
			return errno(unix.ESPIPE)
		}
		if f.writeEnd {
			return errno(unix.EBADF)
		}
		return t.pipeRead(p, th, f.pipe, f.status.Load()&unix.O_NONBLOCK != 0, buf, n)
	case kindSocket:
		return t.sockRecv(p, th, f, buf, n, 0)
	case kindTmpFile:
		return t.tmpRead(p, f, buf, n, at)
	case kindTmpDir:
		return errno(unix.EISDIR)
	case kindStdin:
		if at >= 0 {
			return errno(unix.ESPIPE)
		}
		if t.stdin == nil || n == 0 {
			return 0
		}
		b, err, ok := t.in.read(t.stdin, int(n), p.done)
		if !ok {
			return errno(unix.EINTR)
		}
		if len(b) == 0 && err != nil && err != io.EOF {
			return errno(unix.EIO)
		}
		if err := p.as.CopyOut(buf, b); err != nil {
			return fault(err)
		}
		return uint64(len(b))
	case kindFile:
		f.mu.Lock()
		defer f.mu.Unlock()
		off := at
		if at < 0 {
			off = f.off
		}
		b := f.bytesAt(off, int64(n))
		if err := p.as.CopyOut(buf, b); err != nil {
			return fault(err)
		}
		if at < 0 {
			f.off += int64(len(b))
		}
		return uint64(len(b))
	case kindDir:
		return errno(unix.EISDIR)
	case kindEventfd:
		if n < 8 {
			return errno(unix.EINVAL)
		}
		t.mu.Lock()
		v := f.counter
		f.counter = 0
		t.mu.Unlock()
		if v == 0 {
			return errno(unix.EAGAIN)
		}
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		if err := p.as.CopyOut(buf, b[:]); err != nil {
			return fault(err)
		}
		return 8
	}
	return errno(unix.EBADF)
}

func (t *fileTable) readv(p *Process, th *thread, fd int32, iov, cnt uint64) uint64 {
	if cnt > 1024 {
		return errno(unix.EINVAL)
	}
	var total uint64
	for i := uint64(0); i < cnt; i++ {
		var v [16]byte
		if err := p.as.CopyIn(iov+16*i, v[:]); err != nil {
			return fault(err)
		}
		base, n := binary.LittleEndian.Uint64(v[:]), binary.LittleEndian.Uint64(v[8:])
		if n == 0 {
			continue
		}
		r := t.read(p, th, fd, base, n, -1)
		if int64(r) < 0 {
			if total > 0 {
				return total
			}
			return r
		}
		total += r
		if r < n {
			break
		}
	}
	return total
}

// write serves write (at < 0) and pwrite64 (at the offset at).
func (t *fileTable) write(p *Process, th *thread, fd int32, buf, count uint64, at int64) uint64 {
	f := t.get(fd)
	if f == nil {
		return errno(unix.EBADF)
	}
	n := min(count, maxIO)
	if at >= 0 && f.kind != kindTmpFile && f.kind != kindFile {
		return errno(unix.ESPIPE)
	}
	switch f.kind {
	case kindSocket:
		return t.sockSend(p, th, f, buf, n, 0)
	case kindPipe, kindTmpFile:
		b := make([]byte, n)
		if err := p.as.CopyIn(buf, b); err != nil {
			return fault(err)
		}
		if f.kind == kindPipe {
			if !f.writeEnd {
				return errno(unix.EBADF)
			}
			return t.pipeWrite(p, th, f.pipe, f.status.Load()&unix.O_NONBLOCK != 0, true, b)
		}
		return t.tmpWrite(f, b, at)
	case kindStdout, kindStderr:
		b := make([]byte, n)
		if err := p.as.CopyIn(buf, b); err != nil {
			return fault(err)
		}
		w := t.out
		if f.kind == kindStderr {
			w = t.err
		}
		return p.write(w, b)
	case kindEventfd:
		if n < 8 {
			return errno(unix.EINVAL)
		}
		var b [8]byte
		if err := p.as.CopyIn(buf, b[:]); err != nil {
			return fault(err)
		}
		v := binary.LittleEndian.Uint64(b[:])
		if v == ^uint64(0) {
			return errno(unix.EINVAL)
		}
		t.mu.Lock()
		f.counter += v
		f.gen++
		t.notifyLocked()
		t.mu.Unlock()
		return 8
	}
	return errno(unix.EBADF)
}

func (t *fileTable) writev(p *Process, th *thread, fd int32, iov, cnt uint64) uint64 {
	if cnt > 1024 {
		return errno(unix.EINVAL)
	}
	var total uint64
	for i := uint64(0); i < cnt; i++ {
		var v [16]byte
		if err := p.as.CopyIn(iov+16*i, v[:]); err != nil {
			return fault(err)
		}
		base, n := binary.LittleEndian.Uint64(v[:]), binary.LittleEndian.Uint64(v[8:])
		if n == 0 {
			continue
		}
		r := t.write(p, th, fd, base, n, -1)
		if int64(r) < 0 {
			if total > 0 {
				return total
			}
			return r
		}
		total += r
		if r < n {
			break
		}
	}
	return total
}

// Mode bits from <sys/stat.h>.
const (
	sIFIFO  = 0o010000
	sIFCHR  = 0o020000
	sIFDIR  = 0o040000
	sIFREG  = 0o100000
	sIFLNK  = 0o120000
	sIFSOCK = 0o140000
)

func inode(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64() | 1
}

// statBytes encodes struct stat for x86-64 (<asm/stat.h>, 144 bytes).
func statBytes(name string, mode uint32, size int64, mtime time.Time) []byte {
	b := make([]byte, 144)
	le := binary.LittleEndian
	le.PutUint64(b[0:], 0x4e58)      // st_dev
	le.PutUint64(b[8:], inode(name)) // st_ino
	le.PutUint64(b[16:], 1)          // st_nlink
	le.PutUint32(b[24:], mode)
	le.PutUint32(b[28:], 1000) // st_uid
	le.PutUint32(b[32:], 1000) // st_gid
	le.PutUint64(b[48:], uint64(size))
	le.PutUint64(b[56:], 4096)
	le.PutUint64(b[64:], uint64((size+511)/512))
	for _, off := range []int{72, 88, 104} {
		le.PutUint64(b[off:], uint64(mtime.Unix()))
		le.PutUint64(b[off+8:], uint64(mtime.Nanosecond()))
	}
	return b
}

func infoStat(name string, info fs.FileInfo) []byte {
	mode := uint32(info.Mode().Perm() & 0o555)
	switch {
	case info.IsDir():
		mode |= sIFDIR | 0o555
	case info.Mode()&fs.ModeSymlink != 0:
		mode |= sIFLNK
	default:
		mode |= sIFREG | 0o444
	}
	return statBytes(name, mode, info.Size(), info.ModTime())
}

func (t *fileTable) fstat(p *Process, fd int32, va uint64) uint64 {
	f := t.get(fd)
	if f == nil {
		return errno(unix.EBADF)
	}
	var b []byte
	switch f.kind {
	case kindStdin, kindStdout, kindStderr:
		b = statBytes(f.name, sIFCHR|0o620, 0, time.Time{})
	case kindFile, kindDir:
		b = infoStat(f.name, f.info)
	case kindPipe:
		b = statBytes(f.name, sIFIFO|0o600, 0, time.Time{})
	case kindSocket:
		b = statBytes(f.name, sIFSOCK|0o777, 0, time.Time{})
	case kindTmpFile, kindTmpDir:
		b = f.node.stat()
	default:
		b = statBytes(f.name, 0o600, 0, time.Time{})
	}
	if err := p.as.CopyOut(va, b); err != nil {
		return fault(err)
	}
	return 0
}

func (t *fileTable) fstatat(p *Process, dirfd int32, pathVA, va, flags uint64) uint64 {
	if flags&unix.AT_EMPTY_PATH != 0 {
		if s, err := p.as.ReadString(pathVA, maxPath); err == nil && s == "" {
			return t.fstat(p, dirfd, va)
		}
	}
	name, e := t.resolve(p, dirfd, pathVA)
	if e != 0 {
		return e
	}
	if rel, ok := t.tmpRel(name); ok {
		t.tmp.mu.Lock()
		n, e := t.tmp.lookup(rel)
		t.tmp.mu.Unlock()
		if e != 0 {
			return e
		}
		if err := p.as.CopyOut(va, n.stat()); err != nil {
			return fault(err)
		}
		return 0
	}
	info, e := t.stat(name)
	if e != 0 {
		return e
	}
	if err := p.as.CopyOut(va, infoStat(name, info)); err != nil {
		return fault(err)
	}
	return 0
}

func (t *fileTable) faccessat(p *Process, dirfd int32, pathVA, mode uint64) uint64 {
	name, e := t.resolve(p, dirfd, pathVA)
	if e != 0 {
		return e
	}
	if rel, ok := t.tmpRel(name); ok {
		t.tmp.mu.Lock()
		defer t.tmp.mu.Unlock()
		_, e := t.tmp.lookup(rel)
		return e
	}
	if _, e := t.stat(name); e != 0 {
		return e
	}
	if mode&unix.W_OK != 0 {
		return errno(unix.EROFS)
	}
	return 0
}

func (t *fileTable) lseek(fd int32, off int64, whence int) uint64 {
	f := t.get(fd)
	if f == nil {
		return errno(unix.EBADF)
	}
	if f.kind != kindFile && f.kind != kindDir && f.kind != kindTmpFile && f.kind != kindTmpDir {
		return errno(unix.ESPIPE)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	size := f.size
	if f.kind == kindTmpFile {
		f.node.fs.mu.Lock()
		size = int64(len(f.node.data))
		f.node.fs.mu.Unlock()
	}
	var n int64
	switch whence {
	case io.SeekStart:
		n = off
	case io.SeekCurrent:
		n = f.off + off
	case io.SeekEnd:
		n = size + off
	default:
		return errno(unix.EINVAL)
	}
	if n < 0 || (f.kind == kindDir || f.kind == kindTmpDir) && n > int64(len(f.ents))+2 {
		return errno(unix.EINVAL)
	}
	f.off = n
	return uint64(n)
}

// Directory entry types from <dirent.h>.
const (
	dtDir = 4
	dtReg = 8
	dtLnk = 10
)

func (t *fileTable) getdents64(p *Process, fd int32, va, count uint64) uint64 {
	f := t.get(fd)
	if f == nil {
		return errno(unix.EBADF)
	}
	if f.kind != kindDir && f.kind != kindTmpDir {
		return errno(unix.ENOTDIR)
	}
	count = min(count, maxIO)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []byte
	for {
		i := f.off
		var name string
		var typ uint8
		switch {
		case i == 0:
			name, typ = ".", dtDir
		case i == 1:
			name, typ = "..", dtDir
		case i-2 < int64(len(f.ents)):
			e := f.ents[i-2]
			name, typ = e.Name(), dtReg
			if e.IsDir() {
				typ = dtDir
			} else if e.Type()&fs.ModeSymlink != 0 {
				typ = dtLnk
			}
		default:
			return t.copyDents(p, va, out)
		}
		reclen := (19 + len(name) + 1 + 7) &^ 7
		if uint64(len(out)+reclen) > count {
			if len(out) == 0 {
				return errno(unix.EINVAL)
			}
			return t.copyDents(p, va, out)
		}
		rec := make([]byte, reclen)
		binary.LittleEndian.PutUint64(rec[0:], inode(path.Join(f.name, name)))
		binary.LittleEndian.PutUint64(rec[8:], uint64(i+1))
		binary.LittleEndian.PutUint16(rec[16:], uint16(reclen))
		rec[18] = typ
		copy(rec[19:], name)
		out = append(out, rec...)
		f.off++
	}
}

func (t *fileTable) copyDents(p *Process, va uint64, out []byte) uint64 {
	if err := p.as.CopyOut(va, out); err != nil {
		return fault(err)
	}
	return uint64(len(out))
}

func (t *fileTable) readlinkat(p *Process, dirfd int32, pathVA, buf, size uint64) uint64 {
	if int64(size) <= 0 {
		return errno(unix.EINVAL)
	}
	name, e := t.resolve(p, dirfd, pathVA)
	if e != 0 {
		return e
	}
	if t.fsys == nil {
		return errno(unix.ENOENT)
	}
	target, err := fs.ReadLink(t.fsys, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return errno(unix.ENOENT)
		}
		return errno(unix.EINVAL)
	}
	b := []byte(target)[:min(uint64(len(target)), size, maxPath)]
	if err := p.as.CopyOut(buf, b); err != nil {
		return fault(err)
	}
	return uint64(len(b))
}

// fcntl commands from <fcntl.h>.
const (
	fDupfd        = 0
	fGetfd        = 1
	fSetfd        = 2
	fGetfl        = 3
	fSetfl        = 4
	fDupfdCloexec = 1030
	fSetpipeSz    = 1031
	fGetpipeSz    = 1032
)

func (t *fileTable) fcntl(fd int32, cmd int, arg uint64) uint64 {
	f := t.get(fd)
	if f == nil {
		return errno(unix.EBADF)
	}
	switch cmd {
	case fDupfd, fDupfdCloexec:
		if arg >= maxFDs {
			return errno(unix.EINVAL)
		}
		return t.dup(fd, int32(arg), cmd == fDupfdCloexec)
	case fGetfd:
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.cloexec[fd] {
			return unix.FD_CLOEXEC
		}
		return 0
	case fSetfd:
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.fds[fd] != f {
			return errno(unix.EBADF)
		}
		if arg&unix.FD_CLOEXEC != 0 {
			t.cloexec[fd] = true
		} else {
			delete(t.cloexec, fd)
		}
		return 0
	case fSetfl:
		const settable = unix.O_NONBLOCK | unix.O_APPEND
		for {
			old := f.status.Load()
			if f.status.CompareAndSwap(old, old&^settable|uint32(arg)&settable) {
				return 0
			}
		}
	case fGetfl:
		switch f.kind {
		case kindEventfd, kindEpoll:
			return unix.O_RDWR | unix.O_NONBLOCK
		}
		return uint64(f.status.Load())
	case fGetpipeSz, fSetpipeSz:
		if f.kind != kindPipe {
			return errno(unix.EBADF)
		}
		return pipeCap
	}
	return errno(unix.EINVAL)
}

func (t *fileTable) eventfd(initval uint32) uint64 {
	return t.install(&openFile{kind: kindEventfd, name: "anon_inode:[eventfd]", counter: uint64(initval)}, 0)
}

func (t *fileTable) epollCreate() uint64 {
	return t.install(&openFile{kind: kindEpoll, name: "anon_inode:[eventpoll]", interest: map[int32]epollInterest{}}, 0)
}

// epoll_ctl operations and events from <sys/epoll.h>.
const (
	epollCtlAdd = 1
	epollCtlDel = 2
	epollCtlMod = 3
)

// epollCtl registers interest. Eventfds and pipes can be polled: regular
// files and stdio answer EPERM, as regular files do on Linux, so runtimes
// fall back to blocking I/O for them.
func (t *fileTable) epollCtl(p *Process, epfd int32, op int, fd int32, ev uint64) uint64 {
	ep, f := t.get(epfd), t.get(fd)
	if ep == nil || f == nil {
		return errno(unix.EBADF)
	}
	if ep.kind != kindEpoll || fd == epfd {
		return errno(unix.EINVAL)
	}
	if f.kind != kindEventfd && f.kind != kindPipe && f.kind != kindSocket {
		return errno(unix.EPERM)
	}
	var in epollInterest
	if op != epollCtlDel {
		var b [12]byte
		if err := p.as.CopyIn(ev, b[:]); err != nil {
			return fault(err)
		}
		in = epollInterest{events: binary.LittleEndian.Uint32(b[0:]), data: binary.LittleEndian.Uint64(b[4:]), seen: ^uint64(0)}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, exists := ep.interest[fd]
	switch op {
	case epollCtlAdd:
		if exists {
			return errno(unix.EEXIST)
		}
		ep.interest[fd] = in
	case epollCtlMod:
		if !exists {
			return errno(unix.ENOENT)
		}
		ep.interest[fd] = in
	case epollCtlDel:
		if !exists {
			return errno(unix.ENOENT)
		}
		delete(ep.interest, fd)
	default:
		return errno(unix.EINVAL)
	}
	return 0
}

// rootInfo describes "/" when no file tree is given.
type rootInfo struct{}

func (rootInfo) Name() string       { return "/" }
func (rootInfo) Size() int64        { return 0 }
func (rootInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
func (rootInfo) ModTime() time.Time { return time.Time{} }
func (rootInfo) IsDir() bool        { return true }
func (rootInfo) Sys() any           { return nil }

// stdinPump reads the host stdin on a helper goroutine, so a guest blocked
// reading it can still be stopped (the read returns EINTR when the program
// ends; the helper finishes whenever the host read does).
type stdinPump struct {
	mu sync.Mutex
	// pending delivers the outstanding host read; guarded by mu.
	pending chan stdinChunk
	// left is data read but not yet handed to the guest; guarded by mu.
	left []byte
}

type stdinChunk struct {
	b   []byte
	err error
}

// read returns up to n bytes; ok is false when done closed first.
func (s *stdinPump) read(r io.Reader, n int, done <-chan struct{}) (b []byte, err error, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.left) > 0 {
		k := min(n, len(s.left))
		b, s.left = s.left[:k:k], s.left[k:]
		return b, nil, true
	}
	if s.pending == nil {
		ch := make(chan stdinChunk, 1)
		s.pending = ch
		go func() {
			buf := make([]byte, n)
			k, err := r.Read(buf)
			ch <- stdinChunk{buf[:k], err}
		}()
	}
	select {
	case c := <-s.pending:
		s.pending = nil
		k := min(n, len(c.b))
		s.left = c.b[k:]
		return c.b[:k:k], c.err, true
	case <-done:
		return nil, nil, false
	}
}
