package vectordb

import (
	"sync"
	"testing"
	"time"
)

// TestJobsWaitWhileStarting waits for background jobs while others keep
// starting, which a sync.WaitGroup forbids (TestCheckpoints panicked:
// "WaitGroup is reused before previous Wait has returned"). Wait must
// neither return while a job it waits for runs nor starve once the
// count has been zero.
func TestJobsWaitWhileStarting(t *testing.T) {
	var j jobs
	j.Add(1) // a long job
	stop := make(chan struct{})
	var starters sync.WaitGroup
	for range 4 {
		starters.Add(1)
		go func() {
			defer starters.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				j.Add(1)
				j.Done()
			}
		}()
	}
	waited := make(chan struct{})
	go func() { j.Wait(); close(waited) }()
	select {
	case <-waited:
		t.Fatal("Wait returned while a job ran")
	case <-time.After(50 * time.Millisecond):
	}
	j.Done() // the long job ends; the starters go on
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return after the count was zero")
	}
	for range 1000 {
		j.Wait() // many waits amid starts: none may hang or panic
	}
	close(stop)
	starters.Wait()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.n != 0 {
		t.Fatalf("%d jobs still counted", j.n)
	}
}
