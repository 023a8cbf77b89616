package ctrbench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"nexusos/internal/benchstat"
	"nexusos/node/shim/front"
)

// shimSteps reads the shim's timings file and returns the p50 of each
// step over the runs of containers ids, with two front processes of
// frontProc each in the total.
func shimSteps(path string, ids []string, frontProc time.Duration) (*ShimSteps, error) {
	recs, err := readTimings(path)
	if err != nil {
		return nil, err
	}
	var sa, cr, st, run, vm, de, da, tot []time.Duration
	for _, id := range ids {
		r := recs[id]
		span := func(step string) (time.Duration, bool) {
			b, ok1 := r[step+front.Begin]
			e, ok2 := r[step+front.End]
			return e.Sub(b), ok1 && ok2
		}
		s1, ok1 := span(front.StepStartAction)
		s2, ok2 := span(front.StepCreate)
		s3, ok3 := span(front.StepStart)
		s6, ok6 := span(front.StepDelete)
		s7, ok7 := span(front.StepDeleteAction)
		startEnd, ok4 := r[front.StepStart+front.End]
		exit, ok5 := r[front.StepExit]
		vmExit, ok8 := r[front.StepVMExit]
		if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8) {
			return nil, fmt.Errorf("shim timings: container %s lacks steps (has %d)", id, len(r))
		}
		s4, s5 := exit.Sub(startEnd), vmExit.Sub(startEnd)
		sa, cr, st, run, vm, de, da = append(sa, s1), append(cr, s2), append(st, s3), append(run, s4), append(vm, s5), append(de, s6), append(da, s7)
		tot = append(tot, s1+s2+s3+s4+s6+s7+2*frontProc)
	}
	p := func(ds []time.Duration) time.Duration { return benchstat.Percentile(ds, 50) }
	return &ShimSteps{StartAction: p(sa), Create: p(cr), Start: p(st), Run: p(run), VM: p(vm), Delete: p(de), DeleteAction: p(da),
		FrontProcess: frontProc, Total: p(tot)}, nil
}

// readTimings reads a front.Timings file: by container id, the time of
// each step (the last record of a step wins).
func readTimings(path string) (map[string]map[string]time.Time, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("shim timings: %w", err)
	}
	out := map[string]map[string]time.Time{}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		if out[f[1]] == nil {
			out[f[1]] = map[string]time.Time{}
		}
		out[f[1]][f[2]] = time.Unix(0, ns)
	}
	return out, nil
}

// timeFront returns the p50 wall time of the front binary's `delete`
// action run as a process in dir: what starting and ending the front
// costs beyond the work its own timings record.
func timeFront(ctx context.Context, bin, dir string, runs int) (time.Duration, error) {
	var ds []time.Duration
	for i := 0; i <= runs; i++ {
		x := exec.CommandContext(ctx, bin, "-namespace", "nexus-bench", "-id", "front-timing", "delete")
		x.Dir = dir
		x.Env = []string{} // no timings file: not a container's
		start := time.Now()
		if out, err := x.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("%s delete: %v: %s", bin, err, out)
		}
		if i > 0 {
			ds = append(ds, time.Since(start))
		}
	}
	return benchstat.Percentile(ds, 50), nil
}

// events collects containerd's events (`ctr events`) while the cases run.
type events struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	// at holds, by container id, the time of each topic; guarded by mu.
	at   map[string]map[string]time.Time
	done chan struct{}
}

// watchEvents starts `ctr events` on d.
func watchEvents(ctx context.Context, d *Daemon) (*events, error) {
	e := &events{at: map[string]map[string]time.Time{}, done: make(chan struct{})}
	e.cmd = exec.CommandContext(ctx, "ctr", "--address", d.Sock, "events")
	out, err := e.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := e.cmd.Start(); err != nil {
		return nil, fmt.Errorf("ctr events: %w", err)
	}
	go func() {
		defer close(e.done)
		s := bufio.NewScanner(out)
		s.Buffer(make([]byte, 64<<10), 1<<20)
		for s.Scan() {
			e.add(s.Bytes())
		}
	}()
	time.Sleep(100 * time.Millisecond) // subscribed before the first case
	return e, nil
}

// add parses one line of `ctr events`: the time (date, clock, offset,
// zone), the namespace, the topic and the event as JSON.
func (e *events) add(line []byte) {
	f := bytes.SplitN(line, []byte(" "), 7)
	if len(f) != 7 {
		return
	}
	at, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", string(bytes.Join(f[:4], []byte(" "))))
	if err != nil {
		return
	}
	var ev struct {
		ID          string `json:"id"`
		ContainerID string `json:"container_id"`
	}
	if json.Unmarshal(f[6], &ev) != nil {
		return
	}
	id := ev.ContainerID
	if id == "" {
		id = ev.ID
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.at[id] == nil {
		e.at[id] = map[string]time.Time{}
	}
	e.at[id][string(f[5])] = at
}

// span returns the p50 over the containers ids of the time from their
// /containers/create event to their /tasks/delete event; zero when
// none has both.
func (e *events) span(ids []string) time.Duration {
	time.Sleep(50 * time.Millisecond) // the last events are in flight
	e.mu.Lock()
	defer e.mu.Unlock()
	var ds []time.Duration
	for _, id := range ids {
		c, ok1 := e.at[id]["/containers/create"]
		d, ok2 := e.at[id]["/tasks/delete"]
		if ok1 && ok2 {
			ds = append(ds, d.Sub(c))
		}
	}
	if len(ds) == 0 {
		return 0
	}
	return benchstat.Percentile(ds, 50)
}

func (e *events) stop() {
	e.cmd.Process.Kill()
	<-e.done
	e.cmd.Wait()
}
