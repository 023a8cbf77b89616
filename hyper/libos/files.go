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
	interest map[int32]epollInterest
}

type epollInterest struct {
	events uint32
	data   uint64
}

// bytesAt returns up to n bytes of a regular file from off.
func (f *openFile) bytesAt(off, n int64) []byte {
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
	// ready is closed (and replaced) whenever an eventfd is written;
	// guarded by mu.
	ready chan struct{}
}

func newFileTable(cfg Config) *fileTable {
	t := &fileTable{
		fsys: cfg.files, stdin: cfg.stdin, out: cfg.stdout, err: cfg.stderr,
		fds:   map[int32]*openFile{},
		ready: make(chan struct{}),
	}
	t.fds[0] = &openFile{kind: kindStdin, name: "dev/stdin"}
	t.fds[1] = &openFile{kind: kindStdout, name: "dev/stdout"}
	t.fds[2] = &openFile{kind: kindStderr, name: "dev/stderr"}
	return t
}

func (t *fileTable) get(fd int32) *openFile {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fds[fd]
}

// install gives f the lowest free descriptor >= min.
func (t *fileTable) install(f *openFile, lowest int32) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	for fd := max(lowest, 0); fd < maxFDs; fd++ {
		if _, used := t.fds[fd]; !used {
			t.fds[fd] = f
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
	for _, o := range t.fds {
		if o == f {
			return 0
		}
	}
	if c, ok := f.data.(io.Closer); ok {
		c.Close()
	}
	return 0
}

func (t *fileTable) dup(fd, lowest int32) uint64 {
	f := t.get(fd)
	if f == nil {
		return errno(unix.EBADF)
	}
	return t.install(f, lowest)
}

// dup2 makes newfd refer to oldfd's file, closing what newfd held. dup3
// (strict) refuses oldfd == newfd.
func (t *fileTable) dup2(oldfd, newfd int32, strict bool) uint64 {
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
		if d.kind != kindDir {
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

func (t *fileTable) openat(p *Process, dirfd int32, pathVA, flags uint64) uint64 {
	name, e := t.resolve(p, dirfd, pathVA)
	if e != 0 {
		return e
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
	fd := t.install(f, 0)
	if int64(fd) < 0 {
		if c, ok := f.data.(io.Closer); ok {
			c.Close()
		}
	}
	return fd
}

func (t *fileTable) read(p *Process, fd int32, buf, count uint64, at int64) uint64 {
	f := t.get(fd)
	if f == nil {
		return errno(unix.EBADF)
	}
	n := min(count, maxIO)
	switch f.kind {
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

func (t *fileTable) readv(p *Process, fd int32, iov, cnt uint64) uint64 {
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
		r := t.read(p, fd, base, n, -1)
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

func (t *fileTable) write(p *Process, fd int32, buf, count uint64) uint64 {
	f := t.get(fd)
	if f == nil {
		return errno(unix.EBADF)
	}
	n := min(count, maxIO)
	switch f.kind {
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
		close(t.ready)
		t.ready = make(chan struct{})
		t.mu.Unlock()
		return 8
	}
	return errno(unix.EBADF)
}

func (t *fileTable) writev(p *Process, fd int32, iov, cnt uint64) uint64 {
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
		r := t.write(p, fd, base, n)
		if int64(r) < 0 {
			if total > 0 {
				return total
			}
			return r
		}
		total += r
	}
	return total
}

// Mode bits from <sys/stat.h>.
const (
	sIFCHR = 0o020000
	sIFDIR = 0o040000
	sIFREG = 0o100000
	sIFLNK = 0o120000
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
	if f.kind != kindFile && f.kind != kindDir {
		return errno(unix.ESPIPE)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	switch whence {
	case io.SeekStart:
		n = off
	case io.SeekCurrent:
		n = f.off + off
	case io.SeekEnd:
		n = f.size + off
	default:
		return errno(unix.EINVAL)
	}
	if n < 0 || f.kind == kindDir && n > int64(len(f.ents))+2 {
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
	if f.kind != kindDir {
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
		return t.dup(fd, int32(arg))
	case fGetfd, fSetfd, fSetfl:
		return 0
	case fGetfl:
		switch f.kind {
		case kindStdout, kindStderr:
			return unix.O_WRONLY
		case kindEventfd, kindEpoll:
			return unix.O_RDWR | unix.O_NONBLOCK
		}
		return unix.O_RDONLY
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
	epollIn     = 0x1
)

// epollCtl registers interest. Only eventfds can be polled: regular files
// and stdio answer EPERM, as regular files do on Linux, so runtimes fall
// back to blocking I/O for them.
func (t *fileTable) epollCtl(p *Process, epfd int32, op int, fd int32, ev uint64) uint64 {
	ep, f := t.get(epfd), t.get(fd)
	if ep == nil || f == nil {
		return errno(unix.EBADF)
	}
	if ep.kind != kindEpoll || fd == epfd {
		return errno(unix.EINVAL)
	}
	if f.kind != kindEventfd {
		return errno(unix.EPERM)
	}
	var in epollInterest
	if op != epollCtlDel {
		var b [12]byte
		if err := p.as.CopyIn(ev, b[:]); err != nil {
			return fault(err)
		}
		in = epollInterest{events: binary.LittleEndian.Uint32(b[0:]), data: binary.LittleEndian.Uint64(b[4:])}
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

func (t *fileTable) epollWait(p *Process, epfd int32, evs uint64, maxEvents, timeoutMs int) uint64 {
	ep := t.get(epfd)
	if ep == nil {
		return errno(unix.EBADF)
	}
	if ep.kind != kindEpoll || maxEvents <= 0 || maxEvents > maxEpollEvs {
		return errno(unix.EINVAL)
	}
	var deadline <-chan time.Time
	if timeoutMs > 0 {
		tm := time.NewTimer(time.Duration(timeoutMs) * time.Millisecond)
		defer tm.Stop()
		deadline = tm.C
	}
	for {
		t.mu.Lock()
		var out []byte
		fds := make([]int32, 0, len(ep.interest))
		for fd := range ep.interest {
			fds = append(fds, fd)
		}
		sort.Slice(fds, func(i, j int) bool { return fds[i] < fds[j] })
		for _, fd := range fds {
			in := ep.interest[fd]
			f := t.fds[fd]
			if f == nil || f.counter == 0 || in.events&epollIn == 0 || len(out)/12 >= maxEvents {
				continue
			}
			var b [12]byte
			binary.LittleEndian.PutUint32(b[0:], epollIn)
			binary.LittleEndian.PutUint64(b[4:], in.data)
			out = append(out, b[:]...)
		}
		ready := t.ready
		t.mu.Unlock()
		if len(out) > 0 || timeoutMs == 0 {
			if err := p.as.CopyOut(evs, out); err != nil {
				return fault(err)
			}
			return uint64(len(out) / 12)
		}
		select {
		case <-ready:
		case <-deadline:
			return 0
		case <-p.done:
			return errno(unix.EINTR)
		}
	}
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
