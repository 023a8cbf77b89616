package wasm

import (
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

// limitedMemory is a linear memory that refuses to grow past limit bytes.
// A refused grow makes memory.grow return -1 in the guest; the engine
// remembers it to explain the guest's death.
type limitedMemory struct {
	limit uint64
	mem   []byte                         // reserved: len == reserved bytes
	free  func(b []byte, touched uint64) // given the memory and the bytes the guest could have written

	mu      sync.Mutex
	size    uint64 // guarded by mu
	peak    uint64 // guarded by mu
	refused bool   // guarded by mu
}

// memoryLimiter hands out limitedMemory and remembers the one it made, so
// the run can read its peak and whether the guest hit the limit.
type memoryLimiter struct {
	limit uint64
	// overLimit is called when the module's initial memory alone exceeds
	// the limit; the memory is still handed out (wazero cannot fail an
	// allocation gracefully) and the run is cancelled.
	overLimit func()
	// snap, when set, provides the initial memory (a restored snapshot).
	snap *snapshotImage
	// failed is called when the host cannot map the memory.
	failed func(error)

	mu  sync.Mutex
	mem *limitedMemory // guarded by mu
}

var _ experimental.MemoryAllocator = (*memoryLimiter)(nil)

func (a *memoryLimiter) Allocate(capacity, max uint64) experimental.LinearMemory {
	reserve := a.limit
	if max < reserve {
		reserve = max
	}
	over := capacity > reserve
	if over {
		reserve = capacity
	}
	var m *limitedMemory
	if a.snap != nil {
		var err error
		if m, err = a.snap.newMemory(reserve); err != nil {
			if a.failed != nil {
				a.failed(err)
			}
			m = newLimitedMemory(reserve)
		}
	} else {
		m = newLimitedMemory(reserve)
	}
	if over {
		m.refused = true
		if a.overLimit != nil {
			a.overLimit()
		}
	}
	a.mu.Lock()
	a.mem = m
	a.mu.Unlock()
	return m
}

func (a *memoryLimiter) stats() (peak uint64, refused bool) {
	a.mu.Lock()
	m := a.mem
	a.mu.Unlock()
	if m == nil {
		return 0, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peak, m.refused
}

func (m *limitedMemory) Reallocate(size uint64) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if size > uint64(len(m.mem)) {
		m.refused = true
		return nil
	}
	m.size = size
	if size > m.peak {
		m.peak = size
	}
	return m.mem[:size:size]
}

func (m *limitedMemory) Free() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mem != nil && m.free != nil {
		m.free(m.mem, m.peak)
	}
	m.mem = nil
}
