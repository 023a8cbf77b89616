//go:build linux

package shim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	taskAPI "github.com/containerd/containerd/api/runtime/task/v2"
	tasktypes "github.com/containerd/containerd/api/types/task"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/fifo"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/wasmbin"
)

// images is an ImageSource over a map.
type images map[string]*image.Image

func (m images) Image(_ context.Context, ref string) (*image.Image, error) {
	if img := m[ref]; img != nil {
		return img, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNoImage, ref)
}

func sealWasm(t testing.TB, name string, code []byte) *image.Image {
	t.Helper()
	img, err := image.Seal(image.Manifest{Manifest: microvm.Manifest{ABI: 1, Name: name, Tier: microvm.TierWasm}}, code)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func testService(t testing.TB) *Service {
	spin := &wasmbin.Module{
		Imports: []wasmbin.Import{wasmbin.FdWrite, wasmbin.ProcExit},
		Funcs:   []wasmbin.Func{{Type: wasmbin.Start, Body: []byte{wasmbin.OpLoop, wasmbin.BlockEmpty, wasmbin.OpBr, 0, wasmbin.OpEnd}, Export: "_start"}},
	}
	s := NewService(Config{Namespace: "test", CacheDir: t.TempDir(), Images: images{
		"hi":   sealWasm(t, "hi", wasmbin.Hello("hi\n", 0)),
		"spin": sealWasm(t, "spin", spin.Bytes()),
	}})
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// bundle writes a bundle whose spec runs ref and makes its stdout FIFO;
// out receives what the task writes there.
func bundle(t testing.TB, ref string) (dir, stdout string, out <-chan string) {
	t.Helper()
	dir = t.TempDir()
	b, _ := json.Marshal(specs.Spec{Process: &specs.Process{Args: []string{ref}}})
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout = filepath.Join(dir, "stdout")
	// As containerd's clients do (cio): the read end is open before
	// Create.
	f, err := fifo.OpenFifo(context.Background(), stdout, syscall.O_RDONLY|syscall.O_CREAT|syscall.O_NONBLOCK, 0o700)
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 1)
	go func() {
		defer f.Close()
		b, _ := io.ReadAll(f)
		ch <- string(b)
	}()
	return dir, stdout, ch
}

// TestServiceHammer runs 100 tasks at once through one Service (one shim
// process): each is created, started, waited for and deleted, and each
// one's output comes back on its own FIFO.
func TestServiceHammer(t *testing.T) {
	s := testService(t)
	ctx := context.Background()
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		dir, stdout, out := bundle(t, "hi")
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("t%d", i)
			if _, err := s.Create(ctx, &taskAPI.CreateTaskRequest{ID: id, Bundle: dir, Stdout: stdout}); err != nil {
				errs <- err
				return
			}
			if _, err := s.Start(ctx, &taskAPI.StartRequest{ID: id}); err != nil {
				errs <- err
				return
			}
			w, err := s.Wait(ctx, &taskAPI.WaitRequest{ID: id})
			if err != nil || w.ExitStatus != 0 {
				errs <- fmt.Errorf("%s: wait %v %v", id, w, err)
				return
			}
			if got := <-out; got != "hi\n" {
				errs <- fmt.Errorf("%s: stdout %q", id, got)
			}
			if d, err := s.Delete(ctx, &taskAPI.DeleteRequest{ID: id}); err != nil || d.ExitStatus != 0 {
				errs <- fmt.Errorf("%s: delete %v %v", id, d, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(s.tasks) != 0 {
		t.Fatalf("%d tasks left", len(s.tasks))
	}
}

// TestServiceLifecycle checks the states and errors containerd relies on.
func TestServiceLifecycle(t *testing.T) {
	s := testService(t)
	ctx := context.Background()
	dir, stdout, _ := bundle(t, "spin")
	if _, err := s.Create(ctx, &taskAPI.CreateTaskRequest{ID: "s", Bundle: dir, Stdout: stdout}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, &taskAPI.CreateTaskRequest{ID: "s", Bundle: dir}); !errdefs.IsAlreadyExists(errdefs.FromGRPC(err)) {
		t.Fatalf("second create: %v", err)
	}
	state := func() *taskAPI.StateResponse {
		st, err := s.State(ctx, &taskAPI.StateRequest{ID: "s"})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := state(); st.Status != tasktypes.Status_CREATED || st.Pid != uint32(os.Getpid()) {
		t.Fatalf("after create: %v", st)
	}
	if _, err := s.Start(ctx, &taskAPI.StartRequest{ID: "s"}); err != nil {
		t.Fatal(err)
	}
	if st := state(); st.Status != tasktypes.Status_RUNNING {
		t.Fatalf("after start: %v", st)
	}
	if _, err := s.Exec(ctx, &taskAPI.ExecProcessRequest{ID: "s", ExecID: "e"}); !errdefs.IsNotImplemented(errdefs.FromGRPC(err)) || !strings.Contains(err.Error(), "exec is not supported") {
		t.Fatalf("exec: %v", err)
	}
	if _, err := s.Delete(ctx, &taskAPI.DeleteRequest{ID: "s"}); !errdefs.IsFailedPrecondition(errdefs.FromGRPC(err)) {
		t.Fatalf("delete while running: %v", err)
	}
	if _, err := s.Kill(ctx, &taskAPI.KillRequest{ID: "s", Signal: uint32(syscall.SIGWINCH)}); err != nil {
		t.Fatal(err)
	}
	if st := state(); st.Status != tasktypes.Status_RUNNING {
		t.Fatalf("SIGWINCH ended the task: %v", st)
	}
	if _, err := s.Kill(ctx, &taskAPI.KillRequest{ID: "s", Signal: uint32(syscall.SIGKILL)}); err != nil {
		t.Fatal(err)
	}
	w, err := s.Wait(ctx, &taskAPI.WaitRequest{ID: "s"})
	if err != nil || w.ExitStatus != 137 {
		t.Fatalf("wait after SIGKILL: %v %v, want 137", w, err)
	}
	if st := state(); st.Status != tasktypes.Status_STOPPED || st.ExitStatus != 137 {
		t.Fatalf("after kill: %v", st)
	}
	if _, err := s.Kill(ctx, &taskAPI.KillRequest{ID: "s", Signal: uint32(syscall.SIGTERM)}); !errdefs.IsNotFound(errdefs.FromGRPC(err)) {
		t.Fatalf("kill after exit: %v", err)
	}
	if d, err := s.Delete(ctx, &taskAPI.DeleteRequest{ID: "s"}); err != nil || d.ExitStatus != 137 {
		t.Fatalf("delete: %v %v", d, err)
	}
	if _, err := s.State(ctx, &taskAPI.StateRequest{ID: "s"}); !errdefs.IsNotFound(errdefs.FromGRPC(err)) {
		t.Fatalf("state after delete: %v", err)
	}

	// A created task that is killed never runs, and exits 128+signal.
	dir, _, _ = bundle(t, "spin")
	if _, err := s.Create(ctx, &taskAPI.CreateTaskRequest{ID: "c", Bundle: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Kill(ctx, &taskAPI.KillRequest{ID: "c", Signal: uint32(syscall.SIGTERM)}); err != nil {
		t.Fatal(err)
	}
	if w, err := s.Wait(ctx, &taskAPI.WaitRequest{ID: "c"}); err != nil || w.ExitStatus != 143 {
		t.Fatalf("wait: %v %v, want 143", w, err)
	}
	if _, err := s.Start(ctx, &taskAPI.StartRequest{ID: "c"}); !errdefs.IsFailedPrecondition(errdefs.FromGRPC(err)) {
		t.Fatalf("start after kill: %v", err)
	}

	// A missing image fails Create with NotFound and a hint.
	dir, _, _ = bundle(t, "nope")
	if _, err := s.Create(ctx, &taskAPI.CreateTaskRequest{ID: "n", Bundle: dir}); !errdefs.IsNotFound(errdefs.FromGRPC(err)) {
		t.Fatalf("missing image: %v", err)
	}
}

// BenchmarkServiceRun is the shim's own cost per container: Create,
// Start, Wait and Delete of a hello through the task service, its output
// on a FIFO (containerd, ctr and the shim process start are not
// included), against the same image run on the engine alone.
func BenchmarkServiceRun(b *testing.B) {
	s := testService(b)
	ctx := context.Background()
	img := s.cfg.Images.(images)["hi"]
	b.Run("service", func(b *testing.B) {
		for i := range b.N {
			dir, stdout, out := bundle(b, "hi")
			id := fmt.Sprintf("b%d", i)
			if _, err := s.Create(ctx, &taskAPI.CreateTaskRequest{ID: id, Bundle: dir, Stdout: stdout}); err != nil {
				b.Fatal(err)
			}
			if _, err := s.Start(ctx, &taskAPI.StartRequest{ID: id}); err != nil {
				b.Fatal(err)
			}
			if w, err := s.Wait(ctx, &taskAPI.WaitRequest{ID: id}); err != nil || w.ExitStatus != 0 {
				b.Fatal(w, err)
			}
			if _, err := s.Delete(ctx, &taskAPI.DeleteRequest{ID: id}); err != nil {
				b.Fatal(err)
			}
			if got := <-out; got != "hi\n" {
				b.Fatalf("stdout %q", got)
			}
		}
	})
	b.Run("engine", func(b *testing.B) {
		eng, _, err := s.engine(ctx, img)
		if err != nil {
			b.Fatal(err)
		}
		for range b.N {
			var out strings.Builder
			st, err := eng.Run(ctx, img.Program(), microvm.RunConfig{Stdout: &out, Stderr: io.Discard})
			if err != nil || st.ExitCode != 0 || out.String() != "hi\n" {
				b.Fatal(st, err)
			}
		}
	})
}

// TestDrain: a task's exit waits for the reader of its output FIFO to
// read what the task wrote (containerd 1.6's clients close their ends
// once they have the exit status), and not for a reader that has gone.
func TestDrain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stdout")
	r, err := fifo.OpenFifo(context.Background(), path, syscall.O_RDONLY|syscall.O_CREAT|syscall.O_NONBLOCK, 0o700)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s, err := openStdio(context.Background(), "", path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if pending(s.stdout) {
		t.Fatal("an empty FIFO is pending")
	}
	if _, err := io.WriteString(s.stdout, "hello\n"); err != nil {
		t.Fatal(err)
	}
	if !pending(s.stdout) {
		t.Fatal("unread output is not pending")
	}
	done := make(chan struct{})
	go func() {
		s.drain(time.Hour) // returns only once the output has been read
		close(done)
	}()
	b := make([]byte, 6)
	if _, err := io.ReadFull(r, b); err != nil || string(b) != "hello\n" {
		t.Fatalf("read %q, %v", b, err)
	}
	<-done
	if pending(s.stdout) {
		t.Fatal("read output is still pending")
	}
	// A reader that closes with output unread will never read it.
	if _, err := io.WriteString(s.stdout, "lost\n"); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if pending(s.stdout) {
		t.Fatal("output whose reader has gone is pending")
	}
	s.drain(time.Hour)
}
