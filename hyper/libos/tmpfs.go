//go:build linux && amd64

package libos

import (
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The scratch file system: with Config.WithScratch(limit), /tmp is a
// writable in-memory tree private to the VM (like a tmpfs mount) while the
// rest of the file tree stays read-only (EROFS). Files and directories can
// be created, written, truncated, renamed and removed; everything a
// program stores there counts against the limit, file bytes and, for
// each file or directory, tmpNodeCost plus its name, so that neither big
// files nor many empty ones can take more host memory than granted. A
// write that would pass the limit is cut short, and one that cannot store
// a byte fails with ENOSPC. An unlinked file still open keeps its bytes
// (and its charge) until its last descriptor is closed. The contents are
// gone when the program ends.

// tmpNodeCost is what each file or directory costs besides its bytes
// and its name.
const tmpNodeCost = 256

// tmpMount is where the scratch tree is mounted, as a clean fs.FS name.
const tmpMount = "tmp"

// tmpFS is the scratch tree. It is safe for concurrent use: one mutex
// guards the whole tree.
type tmpFS struct {
	limit int64
	now   func() time.Time

	mu sync.Mutex
	// used is the bytes charged against limit; nextIno numbers nodes;
	// both guarded by mu, as is every node's mutable state.
	used    int64
	nextIno uint64
	root    *tmpNode
}

// tmpNode is a file or directory of the scratch tree. Its fields other
// than fs, ino and dir are guarded by fs.mu.
type tmpNode struct {
	fs  *tmpFS
	ino uint64
	dir bool

	name     string // the last name it was linked under
	children map[string]*tmpNode
	data     []byte
	perm     uint32
	mtime    time.Time
	// linked is false once the node is unlinked (or replaced by a
	// rename); opens counts its open files. Its charge is released when
	// both are gone.
	linked bool
	opens  int
}

func newTmpFS(limit int64, now func() time.Time) *tmpFS {
	t := &tmpFS{limit: limit, now: now, nextIno: 2}
	t.root = &tmpNode{fs: t, ino: 1, dir: true, name: "tmp", children: map[string]*tmpNode{}, perm: 0o777, mtime: now(), linked: true}
	return t
}

// tmpRel returns the name inside the scratch tree of a clean fs.FS name
// under /tmp ("" for /tmp itself).
func (t *fileTable) tmpRel(name string) (string, bool) {
	if t.tmp == nil {
		return "", false
	}
	if name == tmpMount {
		return "", true
	}
	if rel, ok := strings.CutPrefix(name, tmpMount+"/"); ok {
		return rel, true
	}
	return "", false
}

// lookup finds rel.
//
// Preconditions: fs.mu is held.
func (s *tmpFS) lookup(rel string) (*tmpNode, uint64) {
	n := s.root
	if rel == "" {
		return n, 0
	}
	for _, part := range strings.Split(rel, "/") {
		if !n.dir {
			return nil, errno(unix.ENOTDIR)
		}
		c := n.children[part]
		if c == nil {
			return nil, errno(unix.ENOENT)
		}
		n = c
	}
	return n, 0
}

// parent finds the directory that holds (or would hold) rel, and rel's
// last element.
//
// Preconditions: fs.mu is held.
func (s *tmpFS) parent(rel string) (*tmpNode, string, uint64) {
	if rel == "" {
		return nil, "", errno(unix.EBUSY) // /tmp itself
	}
	dir, base := "", rel
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		dir, base = rel[:i], rel[i+1:]
	}
	d, e := s.lookup(dir)
	if e != 0 {
		return nil, "", e
	}
	if !d.dir {
		return nil, "", errno(unix.ENOTDIR)
	}
	if len(base) > 255 {
		return nil, "", errno(unix.ENAMETOOLONG)
	}
	return d, base, 0
}

// charge takes n bytes from the limit (n may be negative).
//
// Preconditions: fs.mu is held.
func (s *tmpFS) charge(n int64) bool {
	if n > 0 && s.used+n > s.limit {
		return false
	}
	s.used += n
	return true
}

// create makes a file or directory named base in d.
//
// Preconditions: fs.mu is held.
func (s *tmpFS) create(d *tmpNode, base string, dir bool, perm uint32) (*tmpNode, uint64) {
	if !s.charge(tmpNodeCost + int64(len(base))) {
		return nil, errno(unix.ENOSPC)
	}
	n := &tmpNode{fs: s, ino: s.nextIno, dir: dir, name: base, perm: perm & 0o7777, mtime: s.now(), linked: true}
	s.nextIno++
	if dir {
		n.children = map[string]*tmpNode{}
	}
	d.children[base] = n
	d.mtime = n.mtime
	return n, 0
}

// unlink takes n (named base) out of d and frees it unless still open.
//
// Preconditions: fs.mu is held.
func (s *tmpFS) unlink(d *tmpNode, base string, n *tmpNode) {
	delete(d.children, base)
	d.mtime = s.now()
	n.linked = false
	s.charge(-int64(tmpNodeCost + len(base)))
	if n.opens == 0 {
		s.free(n)
	}
}

// free releases the bytes of an unlinked, closed node.
//
// Preconditions: fs.mu is held.
func (s *tmpFS) free(n *tmpNode) {
	s.charge(-int64(len(n.data)))
	n.data = nil
}

// close drops one open file of n.
func (n *tmpNode) close() {
	s := n.fs
	s.mu.Lock()
	defer s.mu.Unlock()
	n.opens--
	if n.opens == 0 && !n.linked {
		s.free(n)
	}
}

// resize sets a file's size, charging the difference.
//
// Preconditions: fs.mu is held.
func (n *tmpNode) resize(size int64) uint64 {
	cur := int64(len(n.data))
	if !n.fs.charge(size - cur) {
		return errno(unix.ENOSPC)
	}
	if size <= cur {
		clear(n.data[size:])
		n.data = n.data[:size]
	} else {
		n.data = append(n.data, make([]byte, size-cur)...)
	}
	n.mtime = n.fs.now()
	return 0
}

// stat encodes struct stat for n.
func (n *tmpNode) stat() []byte {
	s := n.fs
	s.mu.Lock()
	defer s.mu.Unlock()
	mode := sIFREG | n.perm
	if n.dir {
		mode = sIFDIR | n.perm
	}
	b := statBytes(n.name, mode, int64(len(n.data)), n.mtime)
	putIno(b, n.ino)
	return b
}

// putIno sets st_ino (scratch inodes have the top bit set, so they never
// equal a hash-derived one... mostly; see inode).
func putIno(b []byte, ino uint64) {
	ino |= 1 << 62
	for i := range 8 {
		b[8+i] = byte(ino >> (8 * i))
	}
}

// entries lists a directory as fs.DirEntry values, sorted by name.
func (n *tmpNode) entries() []fs.DirEntry {
	s := n.fs
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]fs.DirEntry, 0, len(n.children))
	for name, c := range n.children {
		out = append(out, tmpDirEntry{name: name, dir: c.dir})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// tmpDirEntry is a directory entry of the scratch tree (and "tmp" in "/").
type tmpDirEntry struct {
	name string
	dir  bool
}

func (e tmpDirEntry) Name() string { return e.name }
func (e tmpDirEntry) IsDir() bool  { return e.dir }
func (e tmpDirEntry) Type() fs.FileMode {
	if e.dir {
		return fs.ModeDir
	}
	return 0
}
func (e tmpDirEntry) Info() (fs.FileInfo, error) { return nil, fs.ErrInvalid }

// tmpOpen opens (or creates) rel in the scratch tree.
func (t *fileTable) tmpOpen(name, rel string, flags, mode uint64) uint64 {
	s := t.tmp
	acc := flags & unix.O_ACCMODE
	writable := acc == unix.O_WRONLY || acc == unix.O_RDWR
	s.mu.Lock()
	n, e := s.lookup(rel)
	switch {
	case e == errno(unix.ENOENT) && flags&unix.O_CREAT != 0:
		d, base, e := s.parent(rel)
		if e != 0 {
			s.mu.Unlock()
			return e
		}
		if n, e = s.create(d, base, false, uint32(mode)&^t.umask.Load()); e != 0 {
			s.mu.Unlock()
			return e
		}
	case e != 0:
		s.mu.Unlock()
		return e
	case flags&(unix.O_CREAT|unix.O_EXCL) == unix.O_CREAT|unix.O_EXCL:
		s.mu.Unlock()
		return errno(unix.EEXIST)
	case n.dir && (writable || flags&unix.O_TRUNC != 0):
		s.mu.Unlock()
		return errno(unix.EISDIR)
	case !n.dir && flags&unix.O_DIRECTORY != 0:
		s.mu.Unlock()
		return errno(unix.ENOTDIR)
	case !n.dir && flags&unix.O_TRUNC != 0 && writable:
		n.resize(0)
	}
	n.opens++
	s.mu.Unlock()

	f := &openFile{kind: kindTmpFile, name: name, node: n}
	f.status.Store(uint32(flags & (unix.O_ACCMODE | unix.O_APPEND | unix.O_NONBLOCK)))
	if n.dir {
		f.kind = kindTmpDir
		f.ents = n.entries()
	}
	t.mu.Lock()
	fd := t.installLocked(f, 0, flags&unix.O_CLOEXEC != 0)
	t.mu.Unlock()
	if int64(fd) < 0 {
		n.close()
	}
	return fd
}

func (t *fileTable) tmpRead(p *Process, f *openFile, buf, n uint64, at int64) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	off := at
	if at < 0 {
		off = f.off
	}
	s := f.node.fs
	s.mu.Lock()
	var b []byte
	if data := f.node.data; off < int64(len(data)) {
		b = append([]byte(nil), data[off:off+min(int64(n), int64(len(data))-off)]...)
	}
	s.mu.Unlock()
	if err := p.as.CopyOut(buf, b); err != nil {
		return fault(err)
	}
	if at < 0 {
		f.off += int64(len(b))
	}
	return uint64(len(b))
}

// tmpWrite writes b at the file offset (at < 0), the end (O_APPEND) or at.
func (t *fileTable) tmpWrite(f *openFile, b []byte, at int64) uint64 {
	status := f.status.Load()
	if status&unix.O_ACCMODE == unix.O_RDONLY {
		return errno(unix.EBADF)
	}
	if len(b) == 0 {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.node
	s := n.fs
	s.mu.Lock()
	defer s.mu.Unlock()
	off := at
	switch {
	case at < 0 && status&unix.O_APPEND != 0:
		off = int64(len(n.data))
	case at < 0:
		off = f.off
	}
	end := off + int64(len(b))
	if grow := end - int64(len(n.data)); grow > 0 {
		if room := s.limit - s.used; grow > room {
			end -= grow - room // cut short at the limit
			if end <= off {
				return errno(unix.ENOSPC)
			}
			b = b[:end-off]
		}
		n.resize(end)
	}
	copy(n.data[off:], b)
	n.mtime = s.now()
	if at < 0 {
		f.off = end
	}
	return uint64(len(b))
}

// tmpTruncate sets a scratch file's size.
func tmpTruncate(n *tmpNode, size int64) uint64 {
	if n.dir {
		return errno(unix.EISDIR)
	}
	if size < 0 {
		return errno(unix.EINVAL)
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	return n.resize(size)
}

// pathOp resolves a path for a call that changes the tree: the name inside
// the scratch tree, or EROFS (or the lookup's error) outside it.
func (t *fileTable) pathOp(p *Process, dirfd int32, pathVA uint64) (string, uint64) {
	name, e := t.resolve(p, dirfd, pathVA)
	if e != 0 {
		return "", e
	}
	rel, ok := t.tmpRel(name)
	if !ok {
		return "", errno(unix.EROFS)
	}
	return rel, 0
}

func (t *fileTable) mkdirat(p *Process, dirfd int32, pathVA, mode uint64) uint64 {
	rel, e := t.pathOp(p, dirfd, pathVA)
	if e != 0 {
		if e == errno(unix.EROFS) {
			if name, e2 := t.resolve(p, dirfd, pathVA); e2 == 0 {
				if _, e3 := t.stat(name); e3 == 0 {
					return errno(unix.EEXIST)
				}
			}
		}
		return e
	}
	s := t.tmp
	s.mu.Lock()
	defer s.mu.Unlock()
	d, base, e := s.parent(rel)
	if e == errno(unix.EBUSY) {
		return errno(unix.EEXIST)
	}
	if e != 0 {
		return e
	}
	if d.children[base] != nil {
		return errno(unix.EEXIST)
	}
	_, e = s.create(d, base, true, uint32(mode)&^t.umask.Load())
	return e
}

// unlinkat removes a file, or with AT_REMOVEDIR (rmdir) an empty
// directory.
func (t *fileTable) unlinkat(p *Process, dirfd int32, pathVA, flags uint64) uint64 {
	if flags&^unix.AT_REMOVEDIR != 0 {
		return errno(unix.EINVAL)
	}
	rel, e := t.pathOp(p, dirfd, pathVA)
	if e != 0 {
		return e
	}
	s := t.tmp
	s.mu.Lock()
	defer s.mu.Unlock()
	d, base, e := s.parent(rel)
	if e != 0 {
		return e
	}
	n := d.children[base]
	switch {
	case n == nil:
		return errno(unix.ENOENT)
	case flags&unix.AT_REMOVEDIR == 0 && n.dir:
		return errno(unix.EISDIR)
	case flags&unix.AT_REMOVEDIR != 0 && !n.dir:
		return errno(unix.ENOTDIR)
	case n.dir && len(n.children) > 0:
		return errno(unix.ENOTEMPTY)
	}
	s.unlink(d, base, n)
	return 0
}

// renameat2 flags from <linux/fs.h>.
const (
	renameNoreplace = 1
	renameExchange  = 2
)

func (t *fileTable) renameat(p *Process, olddir int32, oldVA uint64, newdir int32, newVA uint64, flags uint64) uint64 {
	if flags&^renameNoreplace != 0 {
		return errno(unix.EINVAL)
	}
	oldRel, e := t.pathOp(p, olddir, oldVA)
	if e != 0 {
		return e
	}
	newRel, e := t.pathOp(p, newdir, newVA)
	if e != 0 {
		if e == errno(unix.EROFS) {
			return errno(unix.EXDEV)
		}
		return e
	}
	s := t.tmp
	s.mu.Lock()
	defer s.mu.Unlock()
	od, obase, e := s.parent(oldRel)
	if e != 0 {
		return e
	}
	nd, nbase, e := s.parent(newRel)
	if e != 0 {
		return e
	}
	n := od.children[obase]
	if n == nil {
		return errno(unix.ENOENT)
	}
	if oldRel == newRel {
		return 0
	}
	if n.dir && strings.HasPrefix(newRel+"/", oldRel+"/") {
		return errno(unix.EINVAL) // into itself
	}
	if old := nd.children[nbase]; old != nil {
		switch {
		case flags&renameNoreplace != 0:
			return errno(unix.EEXIST)
		case n.dir && !old.dir:
			return errno(unix.ENOTDIR)
		case !n.dir && old.dir:
			return errno(unix.EISDIR)
		case old.dir && len(old.children) > 0:
			return errno(unix.ENOTEMPTY)
		}
		s.unlink(nd, nbase, old)
	}
	if !s.charge(int64(len(nbase) - len(obase))) {
		return errno(unix.ENOSPC)
	}
	delete(od.children, obase)
	nd.children[nbase] = n
	n.name = nbase
	od.mtime, nd.mtime = s.now(), s.now()
	return 0
}

func (t *fileTable) truncatePath(p *Process, pathVA uint64, size int64) uint64 {
	rel, e := t.pathOp(p, unix.AT_FDCWD, pathVA)
	if e != 0 {
		return e
	}
	s := t.tmp
	s.mu.Lock()
	n, e := s.lookup(rel)
	s.mu.Unlock()
	if e != 0 {
		return e
	}
	return tmpTruncate(n, size)
}

func (t *fileTable) ftruncate(fd int32, size int64) uint64 {
	f := t.get(fd)
	if f == nil {
		return errno(unix.EBADF)
	}
	if f.kind != kindTmpFile || f.status.Load()&unix.O_ACCMODE == unix.O_RDONLY {
		return errno(unix.EINVAL)
	}
	return tmpTruncate(f.node, size)
}

// fchmodat changes the permission bits of a scratch file.
func (t *fileTable) fchmodat(p *Process, dirfd int32, pathVA, mode uint64) uint64 {
	rel, e := t.pathOp(p, dirfd, pathVA)
	if e != 0 {
		return e
	}
	s := t.tmp
	s.mu.Lock()
	defer s.mu.Unlock()
	n, e := s.lookup(rel)
	if e != 0 {
		return e
	}
	n.perm = uint32(mode) & 0o7777
	return 0
}

func (t *fileTable) fchmod(fd int32, mode uint64) uint64 {
	f := t.get(fd)
	if f == nil {
		return errno(unix.EBADF)
	}
	if f.node == nil {
		return errno(unix.EROFS)
	}
	s := f.node.fs
	s.mu.Lock()
	defer s.mu.Unlock()
	f.node.perm = uint32(mode) & 0o7777
	return 0
}

// fsync checks fd; there is nothing to write back.
func (t *fileTable) fsync(fd int32) uint64 {
	if t.get(fd) == nil {
		return errno(unix.EBADF)
	}
	return 0
}
