package wasm

import (
	"context"
	"io"
	"sync"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"nexusos/microvm"
)

// pooled is a pre-restored, never-run instance of a pre-initialised
// program. Everything a run sets is reached through an indirection bound
// at instantiation: stdio through switches, the clock's start, the
// dispatcher through the call's context.
type pooled struct {
	inst   api.Module
	ml     *memoryLimiter
	clock  *vmClock
	stdin  *switchReader
	stdout *switchWriter
	stderr *switchWriter
}

// takePooled returns a ready instance for this run, or nil when the pool
// is off, empty, or the run needs something fixed at instantiation. It
// starts refilling the pool either way.
func (e *Engine) takePooled(p *microvm.Program, rc microvm.RunConfig, lim microvm.Limits) *pooled {
	if e.poolSize <= 0 || p.Snapshot == nil || len(rc.Args) > 0 || lim.MemoryBytes != p.Manifest.Limits.Effective().MemoryBytes {
		return nil
	}
	e.mu.Lock()
	c := e.modules[p.ID]
	e.mu.Unlock()
	if c == nil || c.mod == nil {
		return nil
	}
	c.poolMu.Lock()
	var pi *pooled
	if n := len(c.pool); n > 0 {
		pi = c.pool[n-1]
		c.pool = c.pool[:n-1]
	}
	want := e.poolSize - len(c.pool) - c.filling
	c.filling += max(want, 0)
	c.poolMu.Unlock()
	for i := 0; i < want; i++ {
		go e.fill(c, p)
	}
	return pi
}

// fill makes one pooled instance of p.
func (e *Engine) fill(c *compiled, p *microvm.Program) {
	pi, err := e.restore(c, p)
	c.poolMu.Lock()
	defer c.poolMu.Unlock()
	c.filling--
	if err != nil || e.closing.Load() {
		if pi != nil {
			pi.inst.Close(context.Background())
		}
		if err != nil {
			e.logger.Warn("pool: restore failed", "image", p.ID, "err", err)
		}
		return
	}
	c.pool = append(c.pool, pi)
}

func (e *Engine) restore(c *compiled, p *microvm.Program) (*pooled, error) {
	lim := p.Manifest.Limits.Effective()
	ml := &memoryLimiter{limit: lim.MemoryBytes, snap: c.snap}
	pi := &pooled{
		ml:     ml,
		clock:  &vmClock{base: p.Snapshot.Nanotime, real: p.Manifest.Capabilities.Clock},
		stdin:  &switchReader{},
		stdout: &switchWriter{},
		stderr: &switchWriter{},
	}
	ctx := experimental.WithMemoryAllocator(context.Background(), ml)
	mc := moduleConfig(p, p.Manifest.Args, pi.stdin, pi.stdout, pi.stderr, pi.clock)
	inst, err := e.rt.InstantiateModule(ctx, c.mod, mc)
	if err != nil {
		return nil, err
	}
	if _, refused := ml.stats(); refused {
		inst.Close(ctx)
		return nil, errMemoryLimit
	}
	pi.inst = inst
	// Take the copy-on-write faults now, off the run's path: a pooled
	// instance owns its copy of the snapshot before a run touches it.
	prefault(ml)
	return pi, nil
}

func (e *Engine) drainPools(ctx context.Context) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.modules {
		c.poolMu.Lock()
		for _, pi := range c.pool {
			pi.inst.Close(ctx)
		}
		c.pool = nil
		c.poolMu.Unlock()
	}
}

// switchWriter forwards to the writer of the run that owns the instance.
type switchWriter struct {
	mu sync.Mutex
	w  io.Writer // guarded by mu
}

func (s *switchWriter) set(w io.Writer) { s.mu.Lock(); s.w = w; s.mu.Unlock() }

func (s *switchWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	w := s.w
	s.mu.Unlock()
	if w == nil {
		return len(p), nil
	}
	return w.Write(p)
}

// switchReader reads from the stdin of the run that owns the instance.
type switchReader struct {
	mu sync.Mutex
	r  io.Reader // guarded by mu
}

func (s *switchReader) set(r io.Reader) { s.mu.Lock(); s.r = r; s.mu.Unlock() }

func (s *switchReader) Read(p []byte) (int, error) {
	s.mu.Lock()
	r := s.r
	s.mu.Unlock()
	if r == nil {
		return 0, io.EOF
	}
	return r.Read(p)
}

// poolLen reports how many ready instances image id has (for tests).
func (e *Engine) poolLen(id string) int {
	e.mu.Lock()
	c := e.modules[id]
	e.mu.Unlock()
	if c == nil {
		return 0
	}
	c.poolMu.Lock()
	defer c.poolMu.Unlock()
	return len(c.pool)
}
