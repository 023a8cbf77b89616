package bitnet

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// pool runs data-parallel loops on a fixed set of worker goroutines.
//
// A loop is split into chunks that workers claim with one atomic add each,
// so a worker that is descheduled on a busy machine simply claims fewer
// chunks instead of stalling the others (llama.cpp splits work statically
// and spin-waits). Idle workers block on a channel: no spinning.
//
// A pool is not safe for concurrent use: one loop runs at a time.
type pool struct {
	n    int
	jobs []chan *job
	done chan struct{}
}

type job struct {
	next  atomic.Int64
	n     int64
	chunk int64
	fn    func(lo, hi int)
	wg    sync.WaitGroup
}

func (j *job) work() {
	for {
		lo := j.next.Add(j.chunk) - j.chunk
		if lo >= j.n {
			return
		}
		j.fn(int(lo), int(min(lo+j.chunk, j.n)))
	}
}

// newPool starts threads-1 workers (the caller is the last thread).
func newPool(threads int) *pool {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	p := &pool{n: threads, done: make(chan struct{})}
	for i := 1; i < threads; i++ {
		c := make(chan *job, 1)
		p.jobs = append(p.jobs, c)
		go func() {
			for {
				select {
				case j := <-c:
					j.work()
					j.wg.Done()
				case <-p.done:
					return
				}
			}
		}()
	}
	return p
}

// close stops the workers.
func (p *pool) close() { close(p.done) }

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
	j := &job{n: int64(n), chunk: int64(chunk), fn: fn}
	helpers := min(len(p.jobs), (n+chunk-1)/chunk-1)
	j.wg.Add(helpers)
	for i := 0; i < helpers; i++ {
		p.jobs[i] <- j
	}
	j.work()
	j.wg.Wait()
}
