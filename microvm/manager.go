package microvm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Resolver finds the program an image reference names (a name, digest or
// digest prefix), verified.
type Resolver func(ctx context.Context, ref string) (*Program, error)

// StartRequest asks a Manager to start a detached microVM.
type StartRequest struct {
	Image  string   `json:"image"`
	Args   []string `json:"args,omitempty"`
	Limits Limits   `json:"limits"` // tighten the image's limits
}

// Errors returned by Manager methods.
var (
	ErrNoSuchVM = errors.New("microvm: no such microVM")
	ErrTooMany  = errors.New("microvm: too many microVMs")
	// ErrNoSuchImage is wrapped by Resolvers when a reference names no
	// image.
	ErrNoSuchImage = errors.New("microvm: no such image")
)

// ManagerConfig bounds a Manager.
type ManagerConfig struct {
	MaxRunning int // running microVMs at once (default 1000)
	MaxKept    int // ended microVMs kept for ps/logs (default 256)
	LogBytes   int // output kept per microVM for logs (default 1 MiB)
	Logger     *slog.Logger
}

// Manager runs detached microVMs and keeps their status and recent output
// for `nexus ps`, `nexus logs` and `nexus stop`, locally or through
// Handler. It is safe for concurrent use.
type Manager struct {
	engine   Engine
	resolve  Resolver
	services Services
	cfg      ManagerConfig
	baseCtx  context.Context
	cancel   context.CancelFunc

	mu sync.Mutex
	// vms holds every known microVM by id; guarded by mu.
	vms map[string]*managed
	// ended lists ended microVM ids, oldest first; guarded by mu.
	ended []string
	// running counts microVMs not yet ended; guarded by mu.
	running int
}

// managed is one detached microVM.
type managed struct {
	status Status // guarded by Manager.mu
	logs   *ringBuffer
	cancel context.CancelFunc
	done   chan struct{} // closed when the microVM has ended
}

// NewManager returns a manager that starts images through engine.
func NewManager(engine Engine, resolve Resolver, svc Services, cfg ManagerConfig) *Manager {
	if cfg.MaxRunning <= 0 {
		cfg.MaxRunning = 1000
	}
	if cfg.MaxKept <= 0 {
		cfg.MaxKept = 256
	}
	if cfg.LogBytes <= 0 {
		cfg.LogBytes = 1 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{engine: engine, resolve: resolve, services: svc, cfg: cfg, baseCtx: ctx, cancel: cancel, vms: map[string]*managed{}}
}

// Start resolves the image and starts it in a detached microVM. ctx bounds
// only the resolution; the microVM lives until it ends, Stop or Close.
func (m *Manager) Start(ctx context.Context, req StartRequest) (Status, error) {
	p, err := m.resolve(ctx, req.Image)
	if err != nil {
		return Status{}, err
	}
	m.mu.Lock()
	if m.running >= m.cfg.MaxRunning {
		m.mu.Unlock()
		return Status{}, fmt.Errorf("start %s: %w (limit %d)", req.Image, ErrTooMany, m.cfg.MaxRunning)
	}
	id := uuid.NewString()
	vctx, cancel := context.WithCancel(m.baseCtx)
	vm := &managed{
		status: Status{ID: id, Image: p.ID, Name: p.Manifest.Name, State: StateRunning, StartedAt: time.Now()},
		logs:   newRingBuffer(m.cfg.LogBytes),
		cancel: cancel,
		done:   make(chan struct{}),
	}
	m.vms[id] = vm
	m.running++
	st := vm.status
	m.mu.Unlock()

	go func() {
		defer cancel()
		res, err := m.engine.Run(vctx, p, RunConfig{
			ID: id, Args: req.Args, Stdout: vm.logs, Stderr: vm.logs,
			Limits: req.Limits, Services: m.services, Logger: m.cfg.Logger,
		})
		if err != nil && res.State == "" {
			res = Status{ID: id, Image: p.ID, Name: p.Manifest.Name, State: StateFailed, Reason: ReasonError, ExitCode: ExitCodeError, Detail: err.Error()}
		}
		m.finish(id, res)
		close(vm.done)
	}()
	m.cfg.Logger.Info("microvm started", "id", id, "image", p.ID, "app", p.Manifest.Name)
	return st, nil
}

func (m *Manager) finish(id string, st Status) {
	m.mu.Lock()
	defer m.mu.Unlock()
	vm := m.vms[id]
	vm.status = st
	m.running--
	m.ended = append(m.ended, id)
	for len(m.ended) > m.cfg.MaxKept {
		delete(m.vms, m.ended[0])
		m.ended = m.ended[1:]
	}
	m.cfg.Logger.Info("microvm ended", "id", id, "app", st.Name, "state", st.State, "reason", st.Reason, "code", st.ExitCode)
}

// List returns every known microVM, running first, then newest first.
func (m *Manager) List() []Status {
	m.mu.Lock()
	out := make([]Status, 0, len(m.vms))
	for _, vm := range m.vms {
		out = append(out, vm.status)
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Done() != out[j].Done() {
			return !out[i].Done()
		}
		return out[i].StartedAt.After(out[j].StartedAt)
	})
	return out
}

func (m *Manager) get(id string) (*managed, Status, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	vm, ok := m.vms[id]
	if !ok {
		return nil, Status{}, fmt.Errorf("%w: %s", ErrNoSuchVM, id)
	}
	return vm, vm.status, nil
}

// Get returns a microVM's status.
func (m *Manager) Get(id string) (Status, error) {
	_, st, err := m.get(id)
	return st, err
}

// Logs returns the microVM's most recent output (stdout and stderr
// interleaved, at most ManagerConfig.LogBytes).
func (m *Manager) Logs(id string) ([]byte, error) {
	vm, _, err := m.get(id)
	if err != nil {
		return nil, err
	}
	return vm.logs.Bytes(), nil
}

// Wait blocks until the microVM ends or ctx is done, and returns its final
// status, even when more microVMs ended meanwhile than ManagerConfig.MaxKept
// and it is no longer listed.
func (m *Manager) Wait(ctx context.Context, id string) (Status, error) {
	vm, _, err := m.get(id)
	if err != nil {
		return Status{}, err
	}
	select {
	case <-vm.done:
	case <-ctx.Done():
		return Status{}, ctx.Err()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return vm.status, nil
}

// Stop ends a running microVM and waits for it. Stopping an ended one is
// a no-op.
func (m *Manager) Stop(ctx context.Context, id string) (Status, error) {
	vm, _, err := m.get(id)
	if err != nil {
		return Status{}, err
	}
	vm.cancel()
	return m.Wait(ctx, id)
}

// Close stops every microVM and waits for them.
func (m *Manager) Close(ctx context.Context) error {
	m.cancel()
	m.mu.Lock()
	var waits []chan struct{}
	for _, vm := range m.vms {
		waits = append(waits, vm.done)
	}
	m.mu.Unlock()
	for _, d := range waits {
		select {
		case <-d:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if c, ok := m.engine.(interface{ Close(context.Context) error }); ok {
		return c.Close(ctx)
	}
	return nil
}

// ringBuffer keeps the last n bytes written to it. It is safe for
// concurrent use.
type ringBuffer struct {
	mu    sync.Mutex
	buf   []byte // guarded by mu
	max   int
	total int64 // guarded by mu
}

var _ io.Writer = (*ringBuffer)(nil)

func newRingBuffer(max int) *ringBuffer { return &ringBuffer{max: max} }

func (r *ringBuffer) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total += int64(len(p))
	if len(p) >= r.max {
		r.buf = append(r.buf[:0], p[len(p)-r.max:]...)
		return len(p), nil
	}
	if over := len(r.buf) + len(p) - r.max; over > 0 {
		r.buf = append(r.buf[:0], r.buf[over:]...)
	}
	r.buf = append(r.buf, p...)
	return len(p), nil
}

func (r *ringBuffer) Bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.buf...)
}
