//go:build linux && amd64

package libos

import (
	"encoding/binary"
	"sync"

	"golang.org/x/sys/unix"
)

// Sockets: socketpair(AF_UNIX, SOCK_STREAM) connects two descriptors with
// a pipe in each direction (the pipe code's blocking, capacities and
// wake-ups); read, write, readv, writev, sendto, recvfrom, sendmsg and
// recvmsg (no ancillary data), shutdown, poll and epoll work on them. A
// write after the peer has gone fails with EPIPE and sends SIGPIPE unless
// MSG_NOSIGNAL. socket() is refused (EACCES) unless the VM is granted a
// loopback network (loopback.go).

// Socket constants from <sys/socket.h>.
const (
	afUnix       = 1
	sockStream   = 1
	sockNonblock = unix.O_NONBLOCK
	sockCloexec  = unix.O_CLOEXEC
	msgPeek      = 0x2
	msgDontwait  = 0x40
	msgWaitall   = 0x100
	msgNosignal  = 0x4000
	msgCmsgClo   = 0x40000000
	shutRd       = 0
	shutWr       = 1
	shutRdwr     = 2
)

// sockEnd is one end of a connected stream socket. It is safe for
// concurrent use.
type sockEnd struct {
	rx, tx *pipe // what it receives and what it sends

	mu sync.Mutex
	// rdShut and wrShut are set once its receiving or sending side is
	// shut down (released in the pipes); guarded by mu.
	rdShut, wrShut bool
}

// shutdown releases the receiving (rd) and/or sending (wr) side, once.
func (s *sockEnd) shutdown(rd, wr bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rd && !s.rdShut {
		s.rdShut = true
		s.rx.release(false)
	}
	if wr && !s.wrShut {
		s.wrShut = true
		s.tx.release(true)
	}
}

func (s *sockEnd) events() (uint32, uint64) {
	in, g1 := s.rx.events(false)
	out, g2 := s.tx.events(true)
	ev := in &^ pollHup
	if in&pollHup != 0 {
		ev |= pollIn | pollRdnorm | pollRdhup // the peer will send no more
		if out&pollErr != 0 {
			ev |= pollHup // both directions are shut
		}
	}
	if out&pollErr != 0 {
		out = out&^pollErr | pollOut | pollWrnorm // a write fails at once (EPIPE)
	}
	return ev | out, g1 + g2
}

func (t *fileTable) socketpair(p *Process, domain, typ, proto, va uint64) uint64 {
	if domain != afUnix {
		return errno(unix.EAFNOSUPPORT)
	}
	if typ&^(sockNonblock|sockCloexec) != sockStream {
		return errno(unix.EOPNOTSUPP)
	}
	if proto != 0 {
		return errno(unix.EPROTONOSUPPORT)
	}
	a2b := &pipe{readers: 1, writers: 1, changed: make(chan struct{})}
	b2a := &pipe{readers: 1, writers: 1, changed: make(chan struct{})}
	a := &openFile{kind: kindSocket, name: "socket:[unix]"}
	b := &openFile{kind: kindSocket, name: "socket:[unix]"}
	a.sock.Store(&sockEnd{rx: b2a, tx: a2b})
	b.sock.Store(&sockEnd{rx: a2b, tx: b2a})
	a.status.Store(unix.O_RDWR | uint32(typ&sockNonblock))
	b.status.Store(unix.O_RDWR | uint32(typ&sockNonblock))
	return t.installPair(p, va, a, b, typ&sockCloexec != 0)
}

// sockFile returns the socket open as fd, or an errno: EBADF for no
// file, ENOTSOCK for another kind.
func (t *fileTable) sockFile(fd int32) (*openFile, uint64) {
	f := t.get(fd)
	if f == nil {
		return nil, errno(unix.EBADF)
	}
	if f.kind != kindSocket {
		return nil, errno(unix.ENOTSOCK)
	}
	return f, 0
}

func (t *fileTable) sockRecv(p *Process, th *thread, f *openFile, buf, n, flags uint64) uint64 {
	if flags&^(msgDontwait|msgCmsgClo) != 0 {
		return errno(unix.EOPNOTSUPP) // MSG_PEEK, MSG_WAITALL, MSG_OOB...
	}
	s := f.sock.Load()
	if s == nil {
		return errno(unix.ENOTCONN)
	}
	nonblock := f.status.Load()&unix.O_NONBLOCK != 0 || flags&msgDontwait != 0
	return t.pipeRead(p, th, s.rx, nonblock, buf, min(n, maxIO))
}

func (t *fileTable) sockSend(p *Process, th *thread, f *openFile, buf, n, flags uint64) uint64 {
	if flags&^(msgDontwait|msgNosignal) != 0 {
		return errno(unix.EOPNOTSUPP)
	}
	n = min(n, maxIO)
	b := make([]byte, n)
	if err := p.as.CopyIn(buf, b); err != nil {
		return fault(err)
	}
	s := f.sock.Load()
	if s == nil {
		return errno(unix.ENOTCONN)
	}
	s.mu.Lock()
	shut := s.wrShut
	s.mu.Unlock()
	if shut {
		if flags&msgNosignal == 0 {
			p.signalThread(th, th, int(unix.SIGPIPE))
		}
		return errno(unix.EPIPE)
	}
	nonblock := f.status.Load()&unix.O_NONBLOCK != 0 || flags&msgDontwait != 0
	return t.pipeWrite(p, th, s.tx, nonblock, flags&msgNosignal == 0, b)
}

// sendto and recvfrom: a connected stream socket ignores the address
// (recvfrom reports none).
func (t *fileTable) sendto(p *Process, th *thread, fd int32, buf, n, flags uint64) uint64 {
	f, e := t.sockFile(fd)
	if e != 0 {
		return e
	}
	return t.sockSend(p, th, f, buf, n, flags)
}

func (t *fileTable) recvfrom(p *Process, th *thread, fd int32, buf, n, flags, addrlen uint64) uint64 {
	f, e := t.sockFile(fd)
	if e != 0 {
		return e
	}
	r := t.sockRecv(p, th, f, buf, n, flags)
	if int64(r) >= 0 && addrlen != 0 {
		var z [4]byte
		if err := p.as.CopyOut(addrlen, z[:]); err != nil {
			return fault(err)
		}
	}
	return r
}

// msghdr fields (struct msghdr, 56 bytes on x86-64).
const (
	msgIov        = 16
	msgIovlen     = 24
	msgControllen = 40
	msgFlagsOff   = 48
	msghdrSize    = 56
)

// sendmsg and recvmsg move the iovecs of a msghdr; ancillary data (file
// descriptors, credentials) is not supported.
func (t *fileTable) msg(p *Process, th *thread, fd int32, va, flags uint64, send bool) uint64 {
	f, e := t.sockFile(fd)
	if e != 0 {
		return e
	}
	var h [msghdrSize]byte
	if err := p.as.CopyIn(va, h[:]); err != nil {
		return fault(err)
	}
	le := binary.LittleEndian
	iov, cnt := le.Uint64(h[msgIov:]), le.Uint64(h[msgIovlen:])
	if cnt > 1024 {
		return errno(unix.EMSGSIZE)
	}
	if send && le.Uint64(h[msgControllen:]) != 0 {
		return errno(unix.EOPNOTSUPP)
	}
	var total uint64
	for i := uint64(0); i < cnt; i++ {
		var v [16]byte
		if err := p.as.CopyIn(iov+16*i, v[:]); err != nil {
			return fault(err)
		}
		base, n := le.Uint64(v[:]), le.Uint64(v[8:])
		if n == 0 {
			continue
		}
		fl := flags
		if total > 0 {
			fl |= msgDontwait // after the first bytes, take only what is there
		}
		var r uint64
		if send {
			r = t.sockSend(p, th, f, base, n, fl)
		} else {
			r = t.sockRecv(p, th, f, base, n, fl)
		}
		if int64(r) < 0 {
			if total > 0 {
				break
			}
			return r
		}
		total += r
		if r < n {
			break
		}
	}
	if !send {
		// No ancillary data, no flags.
		var z [8]byte
		p.as.CopyOut(va+msgControllen, z[:])
		p.as.CopyOut(va+msgFlagsOff, z[:4])
	}
	return total
}

func (t *fileTable) shutdown(fd int32, how uint64) uint64 {
	f, e := t.sockFile(fd)
	if e != 0 {
		return e
	}
	s := f.sock.Load()
	if how > shutRdwr {
		return errno(unix.EINVAL)
	}
	if s == nil {
		return errno(unix.ENOTCONN)
	}
	s.shutdown(how != shutWr, how != shutRd)
	t.notify()
	return 0
}
