package bitnet

import (
	"runtime"
	"sync/atomic"
	"time"
)

// pool runs data-parallel loops on a fixed set of worker goroutines.
//
// A loop is split into chunks that threads claim with one atomic add each,
// so a worker that is descheduled on a busy machine simply claims fewer
// chunks instead of stalling the others (llama.cpp splits work statically
// and spin-waits without bound).
//
// Generation runs about 150 loops per token, a few hundred microseconds
// apart or less, so waking a sleeping goroutine for each (a futex wake and
// a trip through the Go scheduler, tens of microseconds) would leave the
// workers idle for a large share of the token. Instead, between loops an
// idle worker spins on the loop sequence number for up to spinFor, then
// parks on its channel; the caller wakes only parked workers. The caller
// likewise spins for the last chunks of a loop, then sleeps until the
// thread that completes the last chunk wakes it. On a machine too busy to
// give each thread a core, threads park after spinFor instead of burning
// the time of others.
//
// A pool is not safe for concurrent use: one loop runs at a time.
type pool struct {
	n      int
	spin   time.Duration       // spinFor, or 0 with more threads than GOMAXPROCS
	seq    atomic.Uint64       // sequence number of the latest loop
	cur    atomic.Pointer[job] // the latest loop (nil once closed)
	ws     []*poolWorker
	closed atomic.Bool
}

type poolWorker struct {
	parked atomic.Bool
	wake   chan struct{} // capacity 1: a token per CAS of parked true→false
}

// spinFor is how long an idle thread spins before it parks.
const spinFor = 100 * time.Microsecond

type job struct {
	next   atomic.Int64 // next unclaimed index
	done   atomic.Int64 // chunks completed
	n      int64
	chunk  int64
	chunks int64
	fn     func(lo, hi int)
	// The caller sets sleeping before parking on wake; the thread that
	// completes the last chunk then sends on wake.
	sleeping atomic.Bool
	wake     chan struct{}
}

func (j *job) work() {
	for {
		lo := j.next.Add(j.chunk) - j.chunk
		if lo >= j.n {
			return
		}
		j.fn(int(lo), int(min(lo+j.chunk, j.n)))
		if j.done.Add(1) == j.chunks && j.sleeping.Load() {
			j.wake <- struct{}{}
		}
	}
}

// wait returns once every chunk of j has completed, spinning for up to
// spin first.
func (j *job) wait(spin time.Duration) {
	if j.done.Load() == j.chunks {
		return
	}
	start := time.Now()
	for i := 1; j.done.Load() < j.chunks; i++ {
		cpuRelax()
		if i%128 == 0 && time.Since(start) > spin || spin == 0 {
			j.sleeping.Store(true)
			if j.done.Load() < j.chunks {
				<-j.wake
			}
			return
		}
	}
}

// newPool starts threads-1 workers (the caller is the last thread).
func newPool(threads int) *pool {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	p := &pool{n: threads, spin: spinFor}
	if threads > runtime.GOMAXPROCS(0) {
		// Spinners would hold the Ps that the threads they wait for need.
		p.spin = 0
	}
	for i := 1; i < threads; i++ {
		w := &poolWorker{wake: make(chan struct{}, 1)}
		p.ws = append(p.ws, w)
		go p.worker(w)
	}
	return p
}

func (p *pool) worker(w *poolWorker) {
	var seen uint64
	for {
		s := p.seq.Load()
		if s == seen {
			s = p.idle(w, seen)
		}
		seen = s
		if p.closed.Load() {
			return
		}
		if j := p.cur.Load(); j != nil {
			j.work()
		}
	}
}

// idle waits for a loop after seen, spinning, then parked, and returns its
// sequence number.
func (p *pool) idle(w *poolWorker, seen uint64) uint64 {
	start := time.Now()
	for i := 1; p.spin > 0; i++ {
		if s := p.seq.Load(); s != seen {
			return s
		}
		cpuRelax()
		if i%128 == 0 && time.Since(start) > p.spin {
			break
		}
	}
	for {
		w.parked.Store(true)
		if s := p.seq.Load(); s != seen {
			if !w.parked.CompareAndSwap(true, false) {
				<-w.wake // the poster saw us parked and sent a token
			}
			return s
		}
		<-w.wake
		if s := p.seq.Load(); s != seen {
			return s
		}
	}
}

// post publishes j to the workers and wakes the parked ones.
func (p *pool) post(j *job) {
	p.cur.Store(j)
	p.seq.Add(1)
	for _, w := range p.ws {
		if w.parked.Load() && w.parked.CompareAndSwap(true, false) {
			w.wake <- struct{}{}
		}
	}
}

// close stops the workers.
func (p *pool) close() {
	if p.closed.Swap(true) {
		return
	}
	p.post(nil)
}

// parallelRows runs several matrices' rows as one parallel loop (one
// barrier, not one per matrix): rows[i] rows of matrix i, fn called with
// the matrix and a range [r0, r1) of its rows.
func (p *pool) parallelRows(rows []int, grain int, fn func(i, r0, r1 int)) {
	total := 0
	for _, n := range rows {
		total += n
	}
	p.parallel(total, grain, func(lo, hi int) {
		base := 0
		for i, n := range rows {
			if r0, r1 := max(lo-base, 0), min(hi-base, n); r0 < r1 {
				fn(i, r0, r1)
			}
			base += n
		}
	})
}

// parallel calls fn over [0, n) in chunks of at least grain items.
func (p *pool) parallel(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	// About four chunks per thread balance load without much overhead.
	chunk := max(grain, (n+4*p.n-1)/(4*p.n))
	if p.n == 1 || chunk >= n {
		fn(0, n)
		return
	}
	j := &job{n: int64(n), chunk: int64(chunk), chunks: int64((n + chunk - 1) / chunk), fn: fn, wake: make(chan struct{}, 1)}
	p.post(j)
	j.work()
	j.wait(p.spin)
}
