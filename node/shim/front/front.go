// Package front is the part of the NexusOS containerd shim that containerd
// runs for every container: the binary containerd-shim-nexus-v1, which
// answers containerd's `start` and `delete` actions itself and hands
// everything else to the shim daemon (DaemonName, built from
// cmd/containerd-shim-nexus-v1-daemon with package nexusos/node/shim).
//
// # Why a front
//
// containerd 1.6 and 1.7 execute the runtime binary twice per container:
// `start` when the task is created (it finds or starts the shim process
// and prints its address) and `delete` every time a task's connection to
// the shim closes, which containerd waits for while deleting the task.
// The daemon links containerd's shim library, its API's protobuf
// descriptors, gRPC, wazero and the microVM engines: about 30 MiB whose
// start-up (package initialisation, page faults) costs milliseconds per
// execution. This package imports only the standard library, so both
// executions cost about what any small static program costs. What they
// do is what the daemon's own `start` (node/shim.Manager.Start) and
// `delete` (Manager.Stop) do, byte for byte on the wire:
//
//   - start: read the bundle's config.json for the group annotations
//     (GroupAnnotations), derive the group's socket address as the shim
//     library does (SocketAddress), and either reserve the running shim
//     of the group with the task API's Connect call (ttrpc, encoded here:
//     ttrpc.go) or, when none listens, bind the socket, start the daemon
//     on it (fd 3) in a process group of its own with the OOM score one
//     above containerd's, and print the address.
//   - delete: print a DeleteResponse (the microVMs live in the shim
//     process, so there is nothing to clean up).
//   - anything else (the daemon's own invocation, -v): execute the daemon
//     with the same arguments.
//
// The daemon is looked for next to this binary. Functions here are not
// safe for concurrent use with each other (they change the process's
// working directory only through the exec'd daemon, but share flags).
package front

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DaemonName is the file name of the shim daemon, installed next to the
// front (containerd-shim-nexus-v1).
const DaemonName = "containerd-shim-nexus-v1-daemon"

// Annotations that group containers into one shim process.
const (
	// AnnotationGroup puts containers with the same value in one shim
	// process (as containerd's CRI sandbox id does for a pod's
	// containers).
	AnnotationGroup = "io.nexusos.shim.group"
	// AnnotationSandboxID is the pod sandbox id containerd's CRI plugin
	// sets on every container of a pod.
	AnnotationSandboxID = "io.kubernetes.cri.sandbox-id"
)

// GroupAnnotations are the annotations that group containers into one
// shim process, in order of precedence.
var GroupAnnotations = []string{AnnotationGroup, AnnotationSandboxID}

// DefaultGroup is the group of containers that name none: by default
// every container of a namespace runs in one shim process.
const DefaultGroup = "nexus"

// socketRoot is where the shim library puts shim sockets
// (containerd's defaults.DefaultStateDir + "/s" on Linux).
const socketRoot = "/run/containerd/s"

// StartTimeout bounds how long start waits for an exiting shim of the
// group to give up its socket.
const StartTimeout = 10 * time.Second

// maxSpec bounds the config.json read for the group annotations.
const maxSpec = 4 << 20

// SocketAddress is the shim library's shim.SocketAddress: the socket of
// the group in namespace ns for the containerd at address.
func SocketAddress(address, ns, group string) string {
	d := sha256.Sum256([]byte(filepath.Join(address, ns, group)))
	return fmt.Sprintf("unix://%s/%x", socketRoot, d)
}

// Group is the shim group of the container whose bundle is dir.
func Group(dir string) string {
	f, err := os.Open(filepath.Join(dir, "config.json"))
	if err != nil {
		return DefaultGroup
	}
	defer f.Close()
	var spec struct {
		Annotations map[string]string `json:"annotations"`
	}
	if json.NewDecoder(io.LimitReader(f, maxSpec)).Decode(&spec) != nil {
		return DefaultGroup
	}
	for _, a := range GroupAnnotations {
		if g := spec.Annotations[a]; g != "" {
			return g
		}
	}
	return DefaultGroup
}

// flags are the shim library's command-line flags (runtime/v2/shim).
type flags struct {
	debug, version         bool
	namespace, id, socket  string
	bundle, address, publi string
	action                 string
}

func parse(args []string) (*flags, error) {
	var f flags
	fs := flag.NewFlagSet("containerd-shim-nexus-v1", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&f.debug, "debug", false, "")
	fs.BoolVar(&f.version, "v", false, "")
	fs.StringVar(&f.namespace, "namespace", "", "")
	fs.StringVar(&f.id, "id", "", "")
	fs.StringVar(&f.socket, "socket", "", "")
	fs.StringVar(&f.bundle, "bundle", "", "")
	fs.StringVar(&f.address, "address", "", "")
	fs.StringVar(&f.publi, "publish-binary", "", "")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	f.action = fs.Arg(0)
	return &f, nil
}

// Main runs the front with the process's arguments (without the program
// name) and returns its exit code. It does not return when it hands over
// to the daemon.
func Main(args []string, stdout, stderr io.Writer) int {
	began := time.Now()
	f, err := parse(args)
	if err == nil {
		switch f.action {
		case "start":
			tm := OpenTimings()
			tm.Mark(f.id, StepStartAction+Begin, began)
			var addr string
			if addr, err = start(f); err == nil {
				_, err = io.WriteString(stdout, addr)
			}
			tm.Mark(f.id, StepStartAction+End, time.Now())
		case "delete":
			tm := OpenTimings()
			tm.Mark(f.id, StepDeleteAction+Begin, began)
			_, err = stdout.Write(DeleteResponse(0, 128+uint32(syscall.SIGKILL), time.Now()))
			tm.Mark(f.id, StepDeleteAction+End, time.Now())
		default:
			err = execDaemon(args)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "containerd-shim-nexus-v1: %v\n", err)
		return 1
	}
	return 0
}

// daemonPath is the daemon next to this executable.
func daemonPath() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	p := filepath.Join(filepath.Dir(self), DaemonName)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("the shim daemon %s must be installed next to %s: %w", DaemonName, self, err)
	}
	return p, nil
}

func execDaemon(args []string) error {
	p, err := daemonPath()
	if err != nil {
		return err
	}
	return syscall.Exec(p, append([]string{p}, args...), os.Environ())
}

// start is the `start` action (node/shim.Manager.Start): it runs in the
// bundle directory and returns the address containerd connects to.
func start(f *flags) (_ string, retErr error) {
	if f.namespace == "" {
		return "", errors.New("start: -namespace is required")
	}
	address := SocketAddress(f.address, f.namespace, Group("."))
	path := strings.TrimPrefix(address, "unix://")
	var (
		l   *net.UnixListener
		err error
	)
	for deadline := time.Now().Add(StartTimeout); ; {
		// A shim of the group serves this container too if it takes the
		// reservation (it has not decided to exit). Asking first spares
		// the common case, a running shim, a bind that would fail; with
		// no socket, or none listening, the dial fails at once.
		rerr := Reserve(path, f.id, 2*time.Second)
		if rerr == nil {
			if err := writeAddress("address", address); err != nil {
				return "", err
			}
			return address, nil
		}
		if l, err = listen(path); err == nil {
			break
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return "", fmt.Errorf("create shim socket: %w", err)
		}
		err = rerr
		if c, derr := net.DialTimeout("unix", path, 100*time.Millisecond); derr == nil {
			c.Close()
		} else {
			os.Remove(path) // a shim that died without removing its socket
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("start shim for %s: the shim at %s is neither usable nor gone: %w", address, path, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	defer func() {
		if retErr != nil {
			l.Close()
			os.Remove(path)
		}
	}()
	if err := writeAddress("address", address); err != nil {
		return "", err
	}
	sock, err := l.File()
	if err != nil {
		return "", err
	}
	defer sock.Close()
	daemon, err := daemonPath()
	if err != nil {
		return "", err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	args := []string{"-namespace", f.namespace, "-id", f.id, "-address", f.address}
	if f.debug {
		args = append(args, "-debug")
	}
	cmd := exec.Command(daemon, args...)
	cmd.Dir = cwd
	cmd.Env = os.Environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.ExtraFiles = []*os.File{sock} // fd 3: the socket the shim serves
	if err := cmd.Start(); err != nil {
		return "", err
	}
	go cmd.Wait()
	if err := adjustOOMScore(cmd.Process.Pid); err != nil {
		cmd.Process.Kill()
		return "", fmt.Errorf("adjust the shim's OOM score: %w", err)
	}
	return address, nil
}

// listen binds the unix socket at path (mode 0600, its directory made
// as the shim library makes it).
func listen(path string) (*net.UnixListener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o600); err != nil {
		return nil, fmt.Errorf("mkdir failed for %s: %w", path, err)
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		os.Remove(path)
		l.Close()
		return nil, err
	}
	return l, nil
}

// writeAddress writes the address file of the bundle atomically, as the
// shim library's WriteAddress does.
func writeAddress(name, address string) error {
	path, err := filepath.Abs(name)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".address-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(address); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// adjustOOMScore gives the shim pid the OOM score of this process's
// parent (containerd) plus one, as the shim library does.
func adjustOOMScore(pid int) error {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/oom_score_adj", os.Getppid()))
	if err != nil {
		return fmt.Errorf("get parent OOM score: %w", err)
	}
	score, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil {
		return fmt.Errorf("get parent OOM score: %w", err)
	}
	score = max(-1000, min(score+1, 1000))
	w, err := os.OpenFile(fmt.Sprintf("/proc/%d/oom_score_adj", pid), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer w.Close()
	if _, err := w.WriteString(strconv.Itoa(score)); err != nil {
		// Lowering a score needs privileges; as the shim library does,
		// an unprivileged shim keeps the score it has.
		if errors.Is(err, os.ErrPermission) && os.Geteuid() != 0 {
			return nil
		}
		return err
	}
	return nil
}
