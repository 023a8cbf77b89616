package shim

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"

	eventstypes "github.com/containerd/containerd/api/events"
	taskAPI "github.com/containerd/containerd/api/runtime/task/v2"
	tasktypes "github.com/containerd/containerd/api/types/task"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/events"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/pkg/shutdown"
	"github.com/containerd/containerd/protobuf"
	"github.com/containerd/containerd/runtime"
	"github.com/containerd/log"
	"github.com/containerd/ttrpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/kvm"
	"nexusos/microvm/wasm"
	"nexusos/node/shim/front"
)

// ErrExecUnsupported is returned by Exec: a microVM runs one sealed app
// and has nothing to run a second process in.
var ErrExecUnsupported = errors.New("exec is not supported by the nexus runtime: a microVM runs its one sealed app; start another container instead")

// Config is what a Service is built from.
type Config struct {
	// Namespace is the containerd namespace the shim serves (-namespace).
	Namespace string
	// Images finds the sealed image a container names.
	Images ImageSource
	// CacheDir keeps compiled WebAssembly (the image store's cache of a
	// NexusOS home); empty keeps it in memory only.
	CacheDir string
	// Publisher receives the task events (nil: none are sent).
	Publisher events.Publisher
	// Shutdown ends the shim process when Shutdown finds no tasks left
	// (nil: Shutdown does nothing).
	Shutdown shutdown.Service
	// Socket is the path of the unix socket the shim serves; the shim
	// removes it when it decides to exit, so that a container of its
	// group that comes later starts a new shim there.
	Socket string
}

// reserveTTL is how long a reservation (Connect for a container the
// shim does not hold yet, see Manager.Start) keeps an idle shim alive
// waiting for that container's Create.
const reserveTTL = 10 * time.Second

// linger is how long a shim left with no tasks waits for another
// container before it exits: a container that comes meanwhile starts on
// its engines, with its compiled module still in memory.
const linger = 3 * time.Second

// Service is containerd's task API v2 over microVMs: each task is one
// sealed image run in a microVM in this process, on the engine of its
// tier (one engine per tier, shared by every task of the shim). It is
// safe for concurrent use.
//
// A task's life, in containerd's states:
//
//	Create ──▶ CREATED ──Start──▶ RUNNING ──app ends, Kill──▶ STOPPED ──Delete──▶ gone
//	               └──Kill, Delete─────────────────────────────▶ STOPPED
type Service struct {
	cfg Config
	pid uint32 // the shim's pid, every task's pid
	// timings records the steps of each task (front.EnvTimings); nil
	// records nothing.
	timings *front.Timings

	eventsMu sync.Mutex
	// events feeds the publisher; nil once closed; guarded by eventsMu.
	events chan publication

	mu sync.Mutex
	// tasks are the tasks by container id; guarded by mu.
	tasks map[string]*task
	// reserved holds, by container id, when a starting container reserved
	// this shim (Connect) before its Create; guarded by mu.
	reserved map[string]time.Time
	// exiting is set once the shim has decided to exit: it takes no more
	// tasks or reservations; guarded by mu.
	exiting bool
	// idleSince is when the shim last held no tasks (zero while it holds
	// some); guarded by mu.
	idleSince time.Time
	// recheck is the pending re-check of an idle shim that lingers or has
	// reservations; guarded by mu.
	recheck *time.Timer

	engMu sync.Mutex
	// wasm and kvm are the engines of the tiers, built when first
	// needed; kvmErr says why tier 2 is unavailable; files holds the
	// sealed file trees of the tier-2 images of the shim's tasks by
	// digest. All guarded by engMu.
	wasm   *wasm.Engine
	kvm    *kvm.Engine
	kvmErr error
	files  map[string]*filesRef
}

// filesRef is a tier-2 image's sealed file tree and the number of tasks
// that use it.
type filesRef struct {
	fsys fs.FS
	refs int
}

type publication struct {
	topic string
	event events.Event
}

var _ taskAPI.TaskService = (*Service)(nil)

// NewService returns a task service. Close it (or let cfg.Shutdown do it)
// to free the engines.
func NewService(cfg Config) *Service {
	s := &Service{cfg: cfg, pid: uint32(os.Getpid()), timings: front.OpenTimings(), tasks: map[string]*task{}, reserved: map[string]time.Time{}, files: map[string]*filesRef{},
		events: make(chan publication, 128)}
	go s.forward(s.events)
	if cfg.Shutdown != nil {
		cfg.Shutdown.RegisterCallback(func(ctx context.Context) error { return s.Close(ctx) })
	}
	return s
}

// RegisterTTRPC registers the task service on server (the shim library's
// ttrpc plugin interface).
func (s *Service) RegisterTTRPC(server *ttrpc.Server) error {
	taskAPI.RegisterTaskService(server, s)
	return nil
}

// Close stops every running microVM, sends the last events and frees the
// engines.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	var running []*task
	for _, t := range s.tasks {
		if t.kill(syscall.SIGKILL) {
			running = append(running, t)
		}
	}
	s.mu.Unlock()
	for _, t := range running {
		select {
		case <-t.done:
		case <-time.After(5 * time.Second):
		}
	}
	s.eventsMu.Lock()
	if s.events != nil {
		close(s.events)
		s.events = nil
	}
	s.eventsMu.Unlock()
	s.engMu.Lock()
	defer s.engMu.Unlock()
	var errs []error
	if s.wasm != nil {
		errs = append(errs, s.wasm.Close(ctx))
		s.wasm = nil
	}
	if s.kvm != nil {
		errs = append(errs, s.kvm.Close(ctx))
		s.kvm = nil
	}
	kvm.ReleaseSpare()
	return errors.Join(errs...)
}

// forward publishes events in order, off the request paths, and closes
// the publisher when the shim shuts down.
func (s *Service) forward(ch <-chan publication) {
	ctx := namespaces.WithNamespace(context.Background(), s.cfg.Namespace)
	for p := range ch {
		if s.cfg.Publisher == nil {
			continue
		}
		if err := s.cfg.Publisher.Publish(ctx, p.topic, p.event); err != nil {
			log.G(ctx).WithError(err).WithField("topic", p.topic).Warn("publish event")
		}
	}
	if c, ok := s.cfg.Publisher.(interface{ Close() error }); ok {
		c.Close()
	}
}

func (s *Service) publish(topic string, e events.Event) {
	s.eventsMu.Lock()
	defer s.eventsMu.Unlock()
	if s.events != nil {
		s.events <- publication{topic, e}
	}
}

func (s *Service) task(id string) (*task, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tasks[id]
	if t == nil {
		return nil, errdefs.ToGRPCf(errdefs.ErrNotFound, "task %s", id)
	}
	return t, nil
}

// engine returns the engine of img's tier, building it on first use.
// For tier 2 it also holds img's sealed files for the engine until
// release is called (when the task is deleted).
func (s *Service) engine(ctx context.Context, img *image.Image) (_ microvm.Engine, release func(), err error) {
	s.engMu.Lock()
	defer s.engMu.Unlock()
	switch img.Manifest.Tier {
	case microvm.TierWasm:
		if s.wasm == nil {
			w, err := wasm.New(context.WithoutCancel(ctx), wasm.NewConfig().WithCacheDir(s.cfg.CacheDir))
			if err != nil {
				return nil, nil, err
			}
			s.wasm = w
		}
		return s.wasm, func() {}, nil
	case microvm.TierKVM:
		if s.kvm == nil && s.kvmErr == nil {
			s.kvm, s.kvmErr = kvm.New(kvm.NewConfig().WithFiles(s.filesOf))
		}
		if s.kvmErr != nil {
			return nil, nil, fmt.Errorf("image %s is for tier %s, unavailable here: %w", img.Manifest.Name, img.Manifest.Tier, s.kvmErr)
		}
		f := s.files[img.Digest]
		if f == nil {
			fsys, err := img.FilesFS()
			if err != nil {
				return nil, nil, err
			}
			f = &filesRef{fsys: fsys}
			s.files[img.Digest] = f
		}
		f.refs++
		var once sync.Once
		return s.kvm, func() {
			once.Do(func() {
				s.engMu.Lock()
				defer s.engMu.Unlock()
				if f.refs--; f.refs == 0 {
					delete(s.files, img.Digest)
				}
			})
		}, nil
	}
	return nil, nil, fmt.Errorf("image %s is for tier %q, which this shim does not run", img.Manifest.Name, img.Manifest.Tier)
}

// filesOf is the tier-2 engine's kvm.FilesFunc.
func (s *Service) filesOf(p *microvm.Program) (fs.FS, error) {
	s.engMu.Lock()
	defer s.engMu.Unlock()
	if f := s.files[p.ID]; f != nil {
		return f.fsys, nil
	}
	return nil, nil
}

// Create implements taskAPI.TaskService: it reads the bundle's spec,
// finds and verifies the sealed image, compiles it (or loads it from the
// cache) and opens the stdio FIFOs. Nothing runs until Start.
func (s *Service) Create(ctx context.Context, r *taskAPI.CreateTaskRequest) (_ *taskAPI.CreateTaskResponse, err error) {
	s.timings.Mark(r.ID, front.StepCreate+front.Begin, time.Now())
	defer func() { s.timings.Mark(r.ID, front.StepCreate+front.End, time.Now()) }()
	defer s.unreserve(r.ID) // the reservation has done its job
	if r.Terminal {
		return nil, errdefs.ToGRPCf(errdefs.ErrNotImplemented, "nexus runtime: no terminals (run without -t)")
	}
	if r.Checkpoint != "" {
		return nil, errdefs.ToGRPCf(errdefs.ErrNotImplemented, "nexus runtime: no checkpoints")
	}
	spec, err := readSpec(r.Bundle)
	if err != nil {
		return nil, errdefs.ToGRPCf(errdefs.ErrInvalidArgument, "nexus runtime: %v", err)
	}
	rs, err := parseSpec(spec)
	if err != nil {
		return nil, errdefs.ToGRPCf(errdefs.ErrInvalidArgument, "nexus runtime: %v", err)
	}
	ctx = namespaces.WithNamespace(ctx, s.cfg.Namespace)
	var (
		prog    *microvm.Program
		eng     microvm.Engine
		release = func() {}
	)
	if !rs.Sandbox {
		if prog, eng, release, err = s.program(ctx, rs); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			release()
		}
	}()

	s.mu.Lock()
	if s.exiting {
		s.mu.Unlock()
		return nil, errdefs.ToGRPCf(errdefs.ErrUnavailable, "nexus runtime: this shim is exiting")
	}
	if _, ok := s.tasks[r.ID]; ok {
		s.mu.Unlock()
		return nil, errdefs.ToGRPCf(errdefs.ErrAlreadyExists, "task %s", r.ID)
	}
	t := &task{id: r.ID, bundle: r.Bundle, stdinPath: r.Stdin, stdoutPath: r.Stdout, stderrPath: r.Stderr,
		prog: prog, eng: eng, release: release, args: rs.Args, limits: rs.Limits, timings: s.timings,
		state: tasktypes.Status_CREATED, done: make(chan struct{})}
	s.tasks[r.ID] = t // from here a second Create of the id fails
	s.idleSince = time.Time{}
	s.mu.Unlock()
	defer func() {
		if err != nil {
			s.mu.Lock()
			delete(s.tasks, r.ID)
			s.mu.Unlock()
		}
	}()
	octx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if t.io, err = openStdio(octx, r.Stdin, r.Stdout, r.Stderr); err != nil {
		return nil, errdefs.ToGRPCf(errdefs.ErrInvalidArgument, "nexus runtime: %v", err)
	}
	log.G(ctx).WithField("id", r.ID).WithField("image", rs.Image).Debug("task created")
	s.publish(runtime.TaskCreateEventTopic, &eventstypes.TaskCreate{
		ContainerID: r.ID, Bundle: r.Bundle, Rootfs: r.Rootfs, Pid: s.pid,
		IO: &eventstypes.TaskIO{Stdin: r.Stdin, Stdout: r.Stdout, Stderr: r.Stderr, Terminal: r.Terminal},
	})
	return &taskAPI.CreateTaskResponse{Pid: s.pid}, nil
}

// program finds, verifies and compiles the image rs names, with the
// mounts its grants get from rs's bind mounts, and returns the engine of
// its tier and the function that releases what the engine holds for it.
// Errors are ttrpc errors.
func (s *Service) program(ctx context.Context, rs *runSpec) (*microvm.Program, microvm.Engine, func(), error) {
	img, err := s.cfg.Images.Image(ctx, rs.Image)
	if err != nil {
		if errors.Is(err, ErrNoImage) {
			return nil, nil, nil, errdefs.ToGRPCf(errdefs.ErrNotFound, "nexus runtime: %v", err)
		}
		return nil, nil, nil, errdefs.ToGRPCf(errdefs.ErrFailedPrecondition, "nexus runtime: %v", err)
	}
	eng, release, err := s.engine(ctx, img)
	if err != nil {
		return nil, nil, nil, errdefs.ToGRPCf(errdefs.ErrFailedPrecondition, "nexus runtime: %v", err)
	}
	prog := *img.Program()
	prog.Manifest.Capabilities.Mounts = grantMounts(prog.Manifest.Capabilities, rs.Binds)
	if err := eng.Prepare(ctx, &prog); err != nil {
		release()
		return nil, nil, nil, errdefs.ToGRPCf(errdefs.ErrFailedPrecondition, "nexus runtime: image %s: %v", rs.Image, err)
	}
	if prog.Manifest.Tier == microvm.TierKVM {
		// The VM is built between Create and Start, off containerd's
		// path (a run of another size, or one that a later Create's
		// spare replaced, builds its own).
		kvm.Prebuild(uint64(prog.Manifest.Limits.Tighten(rs.Limits).MemoryBytes))
	}
	return &prog, eng, release, nil
}

// Start implements taskAPI.TaskService: the microVM starts and runs in
// the background.
func (s *Service) Start(ctx context.Context, r *taskAPI.StartRequest) (*taskAPI.StartResponse, error) {
	if r.ExecID != "" {
		return nil, errdefs.ToGRPCf(errdefs.ErrNotFound, "exec %s: %v", r.ExecID, ErrExecUnsupported)
	}
	s.timings.Mark(r.ID, front.StepStart+front.Begin, time.Now())
	defer func() { s.timings.Mark(r.ID, front.StepStart+front.End, time.Now()) }()
	t, err := s.task(r.ID)
	if err != nil {
		return nil, err
	}
	if err := t.start(func(code uint32, at time.Time) {
		s.timings.Mark(t.id, front.StepExit, time.Now())
		s.publish(runtime.TaskExitEventTopic, &eventstypes.TaskExit{ContainerID: t.id, ID: t.id, Pid: s.pid,
			ExitStatus: code, ExitedAt: protobuf.ToTimestamp(at)})
	}); err != nil {
		return nil, err
	}
	s.publish(runtime.TaskStartEventTopic, &eventstypes.TaskStart{ContainerID: t.id, Pid: s.pid})
	return &taskAPI.StartResponse{Pid: s.pid}, nil
}

// Delete implements taskAPI.TaskService. A running task must be killed
// first; a task that never started ends as if killed.
func (s *Service) Delete(ctx context.Context, r *taskAPI.DeleteRequest) (*taskAPI.DeleteResponse, error) {
	if r.ExecID != "" {
		return nil, errdefs.ToGRPCf(errdefs.ErrNotFound, "exec %s: %v", r.ExecID, ErrExecUnsupported)
	}
	s.timings.Mark(r.ID, front.StepDelete+front.Begin, time.Now())
	defer func() { s.timings.Mark(r.ID, front.StepDelete+front.End, time.Now()) }()
	t, err := s.task(r.ID)
	if err != nil {
		return nil, err
	}
	code, at, err := t.delete()
	if err != nil {
		return nil, err
	}
	t.release()
	s.mu.Lock()
	delete(s.tasks, r.ID)
	if len(s.tasks) == 0 {
		s.idleSince = time.Now()
	}
	s.mu.Unlock()
	s.publish(runtime.TaskDeleteEventTopic, &eventstypes.TaskDelete{ContainerID: t.id, ID: t.id, Pid: s.pid,
		ExitStatus: code, ExitedAt: protobuf.ToTimestamp(at)})
	return &taskAPI.DeleteResponse{Pid: s.pid, ExitStatus: code, ExitedAt: protobuf.ToTimestamp(at)}, nil
}

// Kill implements taskAPI.TaskService. A microVM's app has no signal
// handlers: a signal that would end a process ends the microVM, and the
// task exits with 128+signal, as a process killed by it would (143 for
// SIGTERM, 137 for SIGKILL). Signal 0 and the signals whose default
// action is to ignore them (SIGCHLD, SIGCONT, SIGURG, SIGWINCH) do
// nothing.
func (s *Service) Kill(ctx context.Context, r *taskAPI.KillRequest) (*emptypb.Empty, error) {
	if r.ExecID != "" {
		return nil, errdefs.ToGRPCf(errdefs.ErrNotFound, "exec %s: %v", r.ExecID, ErrExecUnsupported)
	}
	t, err := s.task(r.ID)
	if err != nil {
		return nil, err
	}
	switch sig := syscall.Signal(r.Signal); sig {
	case 0, syscall.SIGCHLD, syscall.SIGCONT, syscall.SIGURG, syscall.SIGWINCH:
		if t.status().state == tasktypes.Status_STOPPED {
			return nil, errdefs.ToGRPCf(errdefs.ErrNotFound, "process already finished")
		}
	default:
		if !t.kill(sig) {
			return nil, errdefs.ToGRPCf(errdefs.ErrNotFound, "process already finished")
		}
	}
	return &emptypb.Empty{}, nil
}

// Wait implements taskAPI.TaskService: it returns when the task has
// exited (its output written and its stdio closed).
func (s *Service) Wait(ctx context.Context, r *taskAPI.WaitRequest) (*taskAPI.WaitResponse, error) {
	if r.ExecID != "" {
		return nil, errdefs.ToGRPCf(errdefs.ErrNotFound, "exec %s: %v", r.ExecID, ErrExecUnsupported)
	}
	t, err := s.task(r.ID)
	if err != nil {
		return nil, err
	}
	select {
	case <-t.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	st := t.status()
	return &taskAPI.WaitResponse{ExitStatus: st.code, ExitedAt: protobuf.ToTimestamp(st.exitedAt)}, nil
}

// State implements taskAPI.TaskService.
func (s *Service) State(ctx context.Context, r *taskAPI.StateRequest) (*taskAPI.StateResponse, error) {
	if r.ExecID != "" {
		return nil, errdefs.ToGRPCf(errdefs.ErrNotFound, "exec %s: %v", r.ExecID, ErrExecUnsupported)
	}
	t, err := s.task(r.ID)
	if err != nil {
		return nil, err
	}
	st := t.status()
	res := &taskAPI.StateResponse{ID: t.id, Bundle: t.bundle, Pid: s.pid, Status: st.state,
		Stdin: t.stdinPath, Stdout: t.stdoutPath, Stderr: t.stderrPath, ExitStatus: st.code}
	if st.state == tasktypes.Status_STOPPED {
		res.ExitedAt = protobuf.ToTimestamp(st.exitedAt)
	}
	return res, nil
}

// Pids implements taskAPI.TaskService: a microVM runs inside the shim
// process, so its one pid is the shim's.
func (s *Service) Pids(ctx context.Context, r *taskAPI.PidsRequest) (*taskAPI.PidsResponse, error) {
	if _, err := s.task(r.ID); err != nil {
		return nil, err
	}
	return &taskAPI.PidsResponse{Processes: []*tasktypes.ProcessInfo{{Pid: s.pid}}}, nil
}

// Exec implements taskAPI.TaskService: it always fails (ErrExecUnsupported).
func (s *Service) Exec(ctx context.Context, r *taskAPI.ExecProcessRequest) (*emptypb.Empty, error) {
	return nil, errdefs.ToGRPCf(errdefs.ErrNotImplemented, "%v", ErrExecUnsupported)
}

// CloseIO implements taskAPI.TaskService: it closes the task's stdin.
func (s *Service) CloseIO(ctx context.Context, r *taskAPI.CloseIORequest) (*emptypb.Empty, error) {
	t, err := s.task(r.ID)
	if err != nil {
		return nil, err
	}
	if r.Stdin {
		t.io.closeStdin()
	}
	return &emptypb.Empty{}, nil
}

// Connect implements taskAPI.TaskService. For a container the shim does
// not hold, it is a reservation (Manager.Start): the shim stays up for
// that container's Create (up to reserveTTL), or fails with
// ErrUnavailable when it has already decided to exit.
func (s *Service) Connect(ctx context.Context, r *taskAPI.ConnectRequest) (*taskAPI.ConnectResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tasks[r.ID] == nil {
		if s.exiting {
			return nil, errdefs.ToGRPCf(errdefs.ErrUnavailable, "nexus runtime: this shim is exiting")
		}
		s.reserved[r.ID] = time.Now()
	}
	return &taskAPI.ConnectResponse{ShimPid: s.pid, TaskPid: s.pid}, nil
}

// unreserve drops the reservation of a container whose Create came.
func (s *Service) unreserve(id string) {
	s.mu.Lock()
	delete(s.reserved, id)
	s.mu.Unlock()
}

// Shutdown implements taskAPI.TaskService: the shim process ends once it
// has held no tasks for linger and has no live reservations (or at once
// with Now).
func (s *Service) Shutdown(ctx context.Context, r *taskAPI.ShutdownRequest) (*emptypb.Empty, error) {
	s.mu.Lock()
	s.maybeExitLocked(r.Now)
	s.mu.Unlock()
	return &emptypb.Empty{}, nil
}

// maybeExitLocked ends the shim when it has been idle for linger, with
// no live reservation (or at once with now): it stops taking tasks,
// removes its socket (a later container of the group then starts a new
// shim) and shuts the server down. Otherwise it checks again when the
// later of the two is due.
//
// Preconditions: s.mu is held.
func (s *Service) maybeExitLocked(now bool) {
	if s.exiting {
		return
	}
	if !now {
		if len(s.tasks) > 0 {
			return
		}
		if s.idleSince.IsZero() {
			s.idleSince = time.Now()
		}
		due := s.idleSince.Add(linger)
		for id, at := range s.reserved {
			if time.Since(at) > reserveTTL {
				delete(s.reserved, id)
			} else if t := at.Add(reserveTTL); t.After(due) {
				due = t
			}
		}
		if wait := time.Until(due); wait > 0 {
			if s.recheck == nil {
				s.recheck = time.AfterFunc(wait+time.Millisecond, func() {
					s.mu.Lock()
					s.recheck = nil
					s.maybeExitLocked(false)
					s.mu.Unlock()
				})
			}
			return
		}
	}
	s.exiting = true
	if s.cfg.Socket != "" {
		os.Remove(s.cfg.Socket)
		// The shim library removes the socket named by the bundle's
		// address file when the server stops; by then the path may be a
		// new shim's. Leave the bundle so it finds none.
		os.Chdir("/")
	}
	if s.cfg.Shutdown != nil {
		s.cfg.Shutdown.Shutdown()
	}
}

func notImplemented(what string) error {
	return errdefs.ToGRPCf(errdefs.ErrNotImplemented, "nexus runtime: %s is not supported", what)
}

// Pause implements taskAPI.TaskService (not supported).
func (s *Service) Pause(context.Context, *taskAPI.PauseRequest) (*emptypb.Empty, error) {
	return nil, notImplemented("pause")
}

// Resume implements taskAPI.TaskService (not supported).
func (s *Service) Resume(context.Context, *taskAPI.ResumeRequest) (*emptypb.Empty, error) {
	return nil, notImplemented("resume")
}

// Checkpoint implements taskAPI.TaskService (not supported).
func (s *Service) Checkpoint(context.Context, *taskAPI.CheckpointTaskRequest) (*emptypb.Empty, error) {
	return nil, notImplemented("checkpoint")
}

// ResizePty implements taskAPI.TaskService (no terminals).
func (s *Service) ResizePty(context.Context, *taskAPI.ResizePtyRequest) (*emptypb.Empty, error) {
	return nil, notImplemented("a terminal")
}

// Update implements taskAPI.TaskService (limits are fixed at Create).
func (s *Service) Update(context.Context, *taskAPI.UpdateTaskRequest) (*emptypb.Empty, error) {
	return nil, notImplemented("updating a running microVM's resources")
}

// Stats implements taskAPI.TaskService (not supported yet).
func (s *Service) Stats(context.Context, *taskAPI.StatsRequest) (*taskAPI.StatsResponse, error) {
	return nil, notImplemented("stats")
}

// runLogger is the logger of one microVM: the app's log calls and the
// engine's events go to the container's stderr, as `nexus run` writes
// them to its own.
func runLogger(t *task) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.io.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
