package wasm

import (
	"sync"

	"golang.org/x/sys/unix"
)

// newLimitedMemory reserves reserve bytes of address space without
// committing memory (MAP_NORESERVE): pages become resident only when the
// guest touches them, and growing never copies.
func newLimitedMemory(reserve uint64) *limitedMemory {
	if reserve == 0 {
		return &limitedMemory{}
	}
	if b := reused.get(reserve); b != nil {
		return &limitedMemory{limit: reserve, mem: b, free: reused.put}
	}
	b, err := unix.Mmap(-1, 0, int(reserve), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		// Out of address space (or mmap refused): fall back to the heap.
		return &limitedMemory{limit: reserve, mem: make([]byte, reserve)}
	}
	return &limitedMemory{limit: reserve, mem: b, free: reused.put}
}

// Reuse. A fresh mapping costs a page fault (and the kernel's zeroing) on
// every page the guest touches; a Go command touches a few MiB at start-up,
// some hundreds of microseconds of faults. A freed memory whose touched
// part is small is therefore zeroed by the host (clear, at memory speed)
// and handed to the next instance of the same reservation instead of
// being unmapped. Larger ones, and any beyond the pool's few slots, are
// unmapped as before.
const (
	reuseMaxTouched = 16 << 20 // zero and keep memories that grew to at most this
	reuseSlots      = 4
)

type memoryPool struct {
	mu   sync.Mutex
	free map[uint64][][]byte // by reservation
	n    int
}

var reused = &memoryPool{free: map[uint64][][]byte{}}

func (p *memoryPool) get(reserve uint64) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	bs := p.free[reserve]
	if len(bs) == 0 {
		return nil
	}
	b := bs[len(bs)-1]
	p.free[reserve] = bs[:len(bs)-1]
	p.n--
	return b
}

// put takes back a memory whose first touched bytes the guest may have
// written: they are zeroed before anyone else gets it.
func (p *memoryPool) put(b []byte, touched uint64) {
	if touched > reuseMaxTouched || touched > uint64(len(b)) {
		unmapLater(b)
		return
	}
	p.mu.Lock()
	full := p.n >= reuseSlots
	p.mu.Unlock()
	if full {
		unmapLater(b)
		return
	}
	clear(b[:touched])
	p.mu.Lock()
	p.free[uint64(len(b))] = append(p.free[uint64(len(b))], b)
	p.n++
	p.mu.Unlock()
}

// unmapQueue feeds the reaper: tearing down a mapping (tens of µs for a
// restored instance's page tables) happens off the run's critical path.
var (
	unmapQueue = make(chan []byte, 1024)
	reaperOnce sync.Once
)

// unmapLater unmaps b in the background, or now when the queue is full.
func unmapLater(b []byte) {
	reaperOnce.Do(func() {
		go func() {
			for b := range unmapQueue {
				_ = unix.Munmap(b)
			}
		}()
	})
	select {
	case unmapQueue <- b:
	default:
		_ = unix.Munmap(b)
	}
}
