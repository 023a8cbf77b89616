//go:build linux && amd64

package libos

import (
	"encoding/binary"
	"sync"

	"golang.org/x/sys/unix"
)

// The loopback network (Config.WithLoopback): TCP sockets on 127.0.0.0/8
// that reach only the program's own listeners. bind, listen, connect and
// accept4 pair sockets inside the VM; a connection is a socketpair (one
// pipe each way), so reads, writes, polling and shutdown are the
// socketpair's. connect completes at once (or fails with ECONNREFUSED:
// nothing listening, or its backlog full). Nothing leaves the VM: other
// addresses answer ENETUNREACH, IPv6 and UDP are not supported.

// Socket constants from <netinet/in.h>, <sys/socket.h> and <linux/in.h>.
const (
	afInet         = 2
	afInet6        = 10
	ipprotoTCP     = 6
	solSocket      = 1
	soType         = 3
	soError        = 4
	soSndbuf       = 7
	soRcvbuf       = 8
	sockaddrInLen  = 16
	maxBacklog     = 128
	maxQueued      = 128 // connections waiting in all backlogs together
	ephemeralFirst = 32768
	ephemeralLast  = 60999
)

// loopback is a VM's network: its bound ports. It is safe for concurrent
// use.
type loopback struct {
	mu sync.Mutex
	// ports are the bound sockets by port; nextPort is the next
	// ephemeral port to try; queued counts the connections not yet
	// accepted, in every backlog (their buffers belong to no descriptor
	// until then, so they are bounded here); all guarded by mu, as are
	// the inetSock fields of every socket.
	ports    map[uint16]*openFile
	nextPort uint16
	queued   int
}

// inetSock is the address state of an AF_INET socket. Its fields are
// guarded by loopback.mu.
type inetSock struct {
	local, peer inetAddr
	bound       bool
	listening   bool
	backlog     int
	// queue holds the connections not yet accepted (their server ends);
	// changed is closed (and replaced) when it grows or the listener
	// closes; gen counts those changes.
	queue   []*openFile
	changed chan struct{}
	gen     uint64
}

type inetAddr struct {
	ip   [4]byte
	port uint16
}

func (a inetAddr) bytes() []byte {
	b := make([]byte, sockaddrInLen)
	binary.LittleEndian.PutUint16(b[0:], afInet)
	binary.BigEndian.PutUint16(b[2:], a.port)
	copy(b[4:], a.ip[:])
	return b
}

var localhost = [4]byte{127, 0, 0, 1}

// readAddr reads a struct sockaddr_in.
func (p *Process) readAddr(va, n uint64) (inetAddr, uint64) {
	if n < sockaddrInLen || n > 128 {
		return inetAddr{}, errno(unix.EINVAL)
	}
	var b [sockaddrInLen]byte
	if err := p.as.CopyIn(va, b[:]); err != nil {
		return inetAddr{}, fault(err)
	}
	if binary.LittleEndian.Uint16(b[0:]) != afInet {
		return inetAddr{}, errno(unix.EAFNOSUPPORT)
	}
	var a inetAddr
	a.port = binary.BigEndian.Uint16(b[2:])
	copy(a.ip[:], b[4:8])
	return a, 0
}

func (t *fileTable) socket(p *Process, domain, typ, proto uint64) uint64 {
	if t.net == nil {
		return errno(unix.EACCES) // no network granted
	}
	switch {
	case domain == afInet6:
		return errno(unix.EAFNOSUPPORT)
	case domain != afInet:
		return errno(unix.EAFNOSUPPORT)
	case typ&^(sockNonblock|sockCloexec) != sockStream:
		return errno(unix.EPROTONOSUPPORT)
	case proto != 0 && proto != ipprotoTCP:
		return errno(unix.EPROTONOSUPPORT)
	}
	f := &openFile{kind: kindSocket, name: "socket:[tcp]", inet: &inetSock{changed: make(chan struct{})}}
	f.status.Store(unix.O_RDWR | uint32(typ&sockNonblock))
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.installLocked(f, 0, typ&sockCloexec != 0)
}

// inetSocket returns the AF_INET socket open as fd.
func (t *fileTable) inetSocket(fd int32) (*openFile, uint64) {
	f, e := t.sockFile(fd)
	if e != 0 {
		return nil, e
	}
	if f.inet == nil {
		return nil, errno(unix.EOPNOTSUPP)
	}
	return f, 0
}

// bindLocked gives f the port of a (an ephemeral one for port 0).
//
// Preconditions: n.mu is held.
func (n *loopback) bindLocked(f *openFile, a inetAddr) uint64 {
	if a.port == 0 {
		for range ephemeralLast - ephemeralFirst + 1 {
			port := n.nextPort
			if n.nextPort++; n.nextPort > ephemeralLast {
				n.nextPort = ephemeralFirst
			}
			if n.ports[port] == nil {
				a.port = port
				break
			}
		}
		if a.port == 0 {
			return errno(unix.EADDRINUSE)
		}
	} else if n.ports[a.port] != nil {
		return errno(unix.EADDRINUSE)
	}
	n.ports[a.port] = f
	f.inet.local, f.inet.bound = a, true
	return 0
}

func (t *fileTable) bind(p *Process, fd int32, va, n uint64) uint64 {
	f, e := t.inetSocket(fd)
	if e != 0 {
		return e
	}
	a, e := p.readAddr(va, n)
	if e != 0 {
		return e
	}
	if a.ip[0] != 127 && a.ip != [4]byte{} {
		return errno(unix.EADDRNOTAVAIL) // only loopback addresses exist
	}
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	if f.inet.bound || f.sock.Load() != nil {
		return errno(unix.EINVAL)
	}
	return t.net.bindLocked(f, a)
}

func (t *fileTable) listen(fd int32, backlog int) uint64 {
	f, e := t.inetSocket(fd)
	if e != 0 {
		return e
	}
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	if f.sock.Load() != nil {
		return errno(unix.EINVAL)
	}
	if !f.inet.bound {
		if e := t.net.bindLocked(f, inetAddr{}); e != 0 {
			return e
		}
	}
	f.inet.listening = true
	f.inet.backlog = min(max(backlog, 1), maxBacklog)
	return 0
}

// connect pairs the socket with a new connection queued on the listener
// at the address; it completes at once.
func (t *fileTable) connect(p *Process, fd int32, va, n uint64) uint64 {
	f, e := t.inetSocket(fd)
	if e != 0 {
		return e
	}
	a, e := p.readAddr(va, n)
	if e != 0 {
		return e
	}
	if a.ip == [4]byte{} {
		a.ip = localhost // as Linux does for 0.0.0.0
	}
	if a.ip[0] != 127 {
		return errno(unix.ENETUNREACH)
	}
	net := t.net
	net.mu.Lock()
	switch {
	case f.sock.Load() != nil:
		net.mu.Unlock()
		return errno(unix.EISCONN)
	case f.inet.listening:
		net.mu.Unlock()
		return errno(unix.EINVAL)
	}
	l := net.ports[a.port]
	if l == nil || !l.inet.listening || len(l.inet.queue) >= l.inet.backlog || net.queued >= maxQueued {
		net.mu.Unlock()
		return errno(unix.ECONNREFUSED)
	}
	if !f.inet.bound {
		if e := net.bindLocked(f, inetAddr{ip: localhost}); e != 0 {
			net.mu.Unlock()
			return e
		}
	}
	if f.inet.local.ip == [4]byte{} {
		f.inet.local.ip = localhost
	}
	c2s := &pipe{readers: 1, writers: 1, changed: make(chan struct{})}
	s2c := &pipe{readers: 1, writers: 1, changed: make(chan struct{})}
	srv := &openFile{kind: kindSocket, name: "socket:[tcp]", inet: &inetSock{
		local: inetAddr{ip: a.ip, port: a.port}, peer: f.inet.local, changed: make(chan struct{}),
	}}
	srv.status.Store(unix.O_RDWR)
	srv.sock.Store(&sockEnd{rx: c2s, tx: s2c})
	f.inet.peer = a
	f.sock.Store(&sockEnd{rx: s2c, tx: c2s})
	l.inet.queue = append(l.inet.queue, srv)
	net.queued++
	l.inet.gen++
	close(l.inet.changed)
	l.inet.changed = make(chan struct{})
	net.mu.Unlock()
	t.notify()
	return 0
}

// accept4 takes a queued connection, waiting for one unless the listener
// is non-blocking.
func (t *fileTable) accept4(p *Process, th *thread, fd int32, addrVA, lenVA, flags uint64) uint64 {
	if flags&^(sockNonblock|sockCloexec) != 0 {
		return errno(unix.EINVAL)
	}
	f, e := t.inetSocket(fd)
	if e != 0 {
		return e
	}
	net := t.net
	var c *openFile
	for {
		net.mu.Lock()
		if !f.inet.listening {
			net.mu.Unlock()
			return errno(unix.EINVAL)
		}
		if len(f.inet.queue) > 0 {
			c = f.inet.queue[0]
			f.inet.queue = f.inet.queue[1:]
			net.queued--
			net.mu.Unlock()
			break
		}
		ch := f.inet.changed
		net.mu.Unlock()
		if f.status.Load()&unix.O_NONBLOCK != 0 {
			return errno(unix.EAGAIN)
		}
		if r := p.block(th, ch, nil); r != waitReady {
			return waitErrno(r)
		}
	}
	c.status.Store(unix.O_RDWR | uint32(flags&sockNonblock))
	t.mu.Lock()
	nfd := t.installLocked(c, 0, flags&sockCloexec != 0)
	if int64(nfd) < 0 {
		c.sock.Load().shutdown(true, true)
		t.mu.Unlock()
		return nfd
	}
	t.mu.Unlock()
	if addrVA != 0 {
		net.mu.Lock()
		peer := c.inet.peer
		net.mu.Unlock()
		if e := p.putAddr(peer.bytes(), addrVA, lenVA); e != 0 {
			return e
		}
	}
	return nfd
}

// putAddr stores a socket address in the caller's buffer (truncated to
// its length) and the full length at lenVA.
func (p *Process) putAddr(b []byte, va, lenVA uint64) uint64 {
	var lb [4]byte
	if err := p.as.CopyIn(lenVA, lb[:]); err != nil {
		return fault(err)
	}
	room := int32(binary.LittleEndian.Uint32(lb[:]))
	if room < 0 {
		return errno(unix.EINVAL)
	}
	if err := p.as.CopyOut(va, b[:min(int(room), len(b))]); err != nil {
		return fault(err)
	}
	binary.LittleEndian.PutUint32(lb[:], uint32(len(b)))
	if err := p.as.CopyOut(lenVA, lb[:]); err != nil {
		return fault(err)
	}
	return 0
}

// sockname serves getsockname (peer false) and getpeername.
func (t *fileTable) sockname(p *Process, fd int32, va, lenVA uint64, peer bool) uint64 {
	f, e := t.sockFile(fd)
	if e != 0 {
		return e
	}
	var b []byte
	if f.inet == nil {
		b = []byte{afUnix, 0} // an unnamed AF_UNIX socket
	} else {
		t.net.mu.Lock()
		a := f.inet.local
		if peer {
			a = f.inet.peer
		}
		t.net.mu.Unlock()
		if peer && f.sock.Load() == nil {
			return errno(unix.ENOTCONN)
		}
		b = a.bytes()
	}
	return p.putAddr(b, va, lenVA)
}

// setsockopt accepts every option (they tune a real network stack).
func (t *fileTable) setsockopt(fd int32) uint64 {
	_, e := t.sockFile(fd)
	return e
}

func (t *fileTable) getsockopt(p *Process, fd int32, level, opt, va, lenVA uint64) uint64 {
	if _, e := t.sockFile(fd); e != 0 {
		return e
	}
	var v uint32
	if level == solSocket {
		switch opt {
		case soType:
			v = sockStream
		case soSndbuf, soRcvbuf:
			v = pipeCap
		}
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	return p.putAddr(b[:], va, lenVA)
}

// events reports a listener readable while connections wait.
//
// Preconditions: the file table's mu is held.
func (n *loopback) events(f *openFile) (uint32, uint64) {
	if n == nil || f.inet == nil {
		return 0, 0
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if f.inet.listening && len(f.inet.queue) > 0 {
		return pollIn | pollRdnorm, f.inet.gen
	}
	return 0, f.inet.gen
}

// release frees the port of a closed socket and ends the connections
// still queued on a listener.
//
// Preconditions: the file table's mu is held.
func (n *loopback) release(f *openFile) {
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	in := f.inet
	if in.bound && n.ports[in.local.port] == f {
		delete(n.ports, in.local.port)
	}
	for _, c := range in.queue {
		c.sock.Load().shutdown(true, true)
	}
	n.queued -= len(in.queue)
	in.queue, in.listening = nil, false
	close(in.changed)
	in.changed = make(chan struct{})
}
