//go:build linux && amd64

package libos

import (
	"io"
	"io/fs"
	"log/slog"
	"time"

	"nexusos/hyper"
)

// Config describes one program run. Build it with NewConfig and the With
// methods, which return changed copies; it is validated by Run.
type Config struct {
	args, env      []string
	stdin          io.Reader
	stdout, stderr io.Writer
	files          fs.FS
	memory         uint64
	cpus           int
	maxThreads     int
	maxOutput      int64
	scratch        int64
	loopback       bool
	logger         *slog.Logger
	host           HostCaller
	noVDSO         bool
	fakeClock      bool
	pool           *hyper.Pool
	now            func() time.Time
}

// NewConfig returns the defaults: no arguments, no files, empty stdin,
// discarded output, 512 MiB of guest memory, 2 CPUs reported, 32 threads.
func NewConfig() Config {
	return Config{
		memory:     512 << 20,
		cpus:       2,
		maxThreads: 32,
		maxOutput:  64 << 20,
		logger:     slog.New(slog.DiscardHandler),
		now:        time.Now,
	}
}

// WithArgs sets argv (argv[0] included).
func (c Config) WithArgs(args ...string) Config { c.args = append([]string(nil), args...); return c }

// WithEnv sets the environment ("KEY=value" strings).
func (c Config) WithEnv(env ...string) Config { c.env = append([]string(nil), env...); return c }

// WithStdin sets what the program reads on fd 0.
func (c Config) WithStdin(r io.Reader) Config { c.stdin = r; return c }

// WithStdout sets where fd 1 goes.
func (c Config) WithStdout(w io.Writer) Config { c.stdout = w; return c }

// WithStderr sets where fd 2 goes.
func (c Config) WithStderr(w io.Writer) Config { c.stderr = w; return c }

// WithFS sets the read-only file tree the program sees as "/".
func (c Config) WithFS(f fs.FS) Config { c.files = f; return c }

// Memory returns the configured guest memory size in bytes.
func (c Config) Memory() uint64 { return c.memory }

// WithMemory sets the guest memory size in bytes.
func (c Config) WithMemory(n uint64) Config { c.memory = n; return c }

// WithCPUs sets how many CPUs sched_getaffinity reports.
func (c Config) WithCPUs(n int) Config { c.cpus = n; return c }

// WithMaxThreads bounds the threads (vCPUs) the program may have.
func (c Config) WithMaxThreads(n int) Config { c.maxThreads = n; return c }

// WithMaxOutput bounds the bytes written to stdout and stderr together;
// writes beyond it fail with EFBIG.
func (c Config) WithMaxOutput(n int64) Config { c.maxOutput = n; return c }

// WithScratch gives the program a writable in-memory /tmp of at most
// limit bytes (file contents, plus a small charge per file and directory);
// writes beyond it fail with ENOSPC. 0 (the default) means no scratch
// space: /tmp is then whatever the read-only file tree has. The rest of
// the tree stays read-only either way.
func (c Config) WithScratch(limit int64) Config { c.scratch = limit; return c }

// WithLoopback grants the program a loopback network inside its VM: TCP
// sockets on 127.0.0.1 that connect to the program's own listeners (so a
// server and its client in one program work). Nothing outside the VM is
// reachable either way. Without it (the default) socket() fails with
// EACCES.
func (c Config) WithLoopback(on bool) Config { c.loopback = on; return c }

// WithHostCall sets who serves the NexusOS host ABI (MemexFS, Cortex, log)
// for this program; microvm.Dispatcher fits. Without one, every call
// answers abi.ErrNotAvailable.
func (c Config) WithHostCall(h HostCaller) Config { c.host = h; return c }

// WithVDSO turns the vDSO on (the default) or off. With it, the program
// reads CLOCK_MONOTONIC and CLOCK_REALTIME from the TSC without leaving
// the VM; without it, every clock read is a system call.
func (c Config) WithVDSO(on bool) Config { c.noVDSO = !on; return c }

// WithFakeClock gives the program a deterministic clock instead of the
// host's, as tier 1 does for images without the clock capability: every
// reading advances it by 1 ms, real time starts at 2000-01-01T00:00:00Z,
// and there is no vDSO. Sleeps and timeouts still wait in real time.
func (c Config) WithFakeClock() Config { c.fakeClock = true; return c }

// WithPool takes the VM from a pool of machines built ahead of time (used
// when the pool's memory size equals the configured one).
func (c Config) WithPool(p *hyper.Pool) Config { c.pool = p; return c }

// WithLogger sets the logger (debug lines name unsupported calls).
func (c Config) WithLogger(l *slog.Logger) Config { c.logger = l; return c }
