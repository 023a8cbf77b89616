//go:build linux && amd64

package hyper

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Pool keeps machines of one memory size created ahead of time, each with
// its first vCPU set up, so that starting a program skips KVM_CREATE_VM,
// the memory slot and KVM_CREATE_VCPU (about three quarters of the time to
// a program's first instruction here). A background goroutine refills it.
// It is safe for concurrent use. Idle pooled machines cost their page
// tables and descriptor pages (a few KiB each) and KVM's kernel objects.
type Pool struct {
	memBytes uint64
	ready    chan pooled
	done     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once
	// spare marks a pool of one machine that is not refilled (NewSpare);
	// built is closed when its one build has ended; claimed is set by
	// whoever does that build, the pool's goroutine or a Get that came
	// first.
	spare   bool
	built   chan struct{}
	claimed atomic.Bool
}

type pooled struct {
	m *Machine
	c *CPU
}

// NewPool starts a pool of size machines of memBytes each.
func NewPool(memBytes uint64, size int) (*Pool, error) {
	if size < 1 {
		return nil, errors.New("hyper: pool size must be at least 1")
	}
	if err := Available(); err != nil {
		return nil, err
	}
	p := &Pool{memBytes: memBytes, ready: make(chan pooled, size), done: make(chan struct{})}
	p.wg.Add(1)
	go p.fill()
	return p, nil
}

// NewSpare starts building one machine of memBytes (with its first vCPU)
// in the background and returns a pool that holds just it and is not
// refilled: for a process that runs one program and can build its VM
// while it still reads and checks what to run (`nexus run`). Get waits for
// that build if it is under way, does it itself if it has not started yet
// (a busy host may not have run the pool's goroutine; waiting for it
// would only add its wake-up), and builds a machine on the spot once the
// spare is taken or its build failed. Close releases the spare if nobody
// took it.
//
// Nothing is checked before the build starts (not even Available, which
// opens /dev/kvm the first time): the caller does not wait. A build that
// fails leaves Get to build, and report why.
func NewSpare(memBytes uint64) *Pool {
	p := &Pool{memBytes: memBytes, ready: make(chan pooled, 1), done: make(chan struct{}), spare: true, built: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if !p.claimed.CompareAndSwap(false, true) {
			return // a Get came first and builds it
		}
		defer close(p.built)
		if x, err := build(memBytes); err == nil {
			p.ready <- x // never blocks: the channel holds one
		}
	}()
	return p
}

// MemBytes is the guest memory size of the pool's machines.
func (p *Pool) MemBytes() uint64 { return p.memBytes }

func build(memBytes uint64) (pooled, error) {
	m, err := New(memBytes)
	if err != nil {
		return pooled{}, err
	}
	c, err := m.NewCPU()
	if err != nil {
		m.Close()
		return pooled{}, err
	}
	return pooled{m, c}, nil
}

func (p *Pool) fill() {
	defer p.wg.Done()
	for {
		x, err := build(p.memBytes)
		if err != nil {
			select {
			case <-time.After(100 * time.Millisecond):
				continue
			case <-p.done:
				return
			}
		}
		select {
		case p.ready <- x:
		case <-p.done:
			x.m.Close()
			return
		}
	}
}

// Get returns a ready machine and its first vCPU, or builds one now if the
// pool is empty. The caller owns both (Machine.Close releases them).
func (p *Pool) Get() (*Machine, *CPU, error) {
	select {
	case x := <-p.ready:
		return x.m, x.c, nil
	default:
	}
	if p.spare {
		if p.claimed.CompareAndSwap(false, true) {
			close(p.built)
		} else {
			<-p.built
			select {
			case x := <-p.ready:
				return x.m, x.c, nil
			default:
			}
		}
	}
	x, err := build(p.memBytes)
	return x.m, x.c, err
}

// Close stops refilling and releases the idle machines.
func (p *Pool) Close() {
	p.once.Do(func() {
		close(p.done)
		p.wg.Wait()
		for {
			select {
			case x := <-p.ready:
				x.m.Close()
			default:
				return
			}
		}
	})
}
