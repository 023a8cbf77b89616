package shim

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	taskAPI "github.com/containerd/containerd/api/runtime/task/v2"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/pkg/shutdown"
	"github.com/containerd/containerd/plugin"
	"github.com/containerd/containerd/runtime/v2/shim"
	"github.com/containerd/ttrpc"

	"nexusos/microvm/image"
	"nexusos/node/home"
	"nexusos/node/shim/front"
)

// RuntimeName is the runtime's name in containerd (ctr run --runtime,
// a RuntimeClass's handler's runtime_type); containerd runs it as the
// binary containerd-shim-nexus-v1.
const RuntimeName = "io.containerd.nexus.v1"

// Environment of the shim (inherited from containerd's).
const (
	// EnvHome is the NexusOS state directory whose image cache keeps
	// compiled WebAssembly (default ~/.local/share/nexus of the user
	// containerd runs as), shared with `nexus run` on the same home.
	EnvHome = "NEXUS_HOME"
	// EnvTrust lists public key files (as `nexus key gen` writes them),
	// separated by colons: when set, an image must be signed by one of
	// them.
	EnvTrust = "NEXUS_TRUST"
)

// Manager starts and stops shim processes for containerd: the shim
// library calls Start for the binary's `start` action and Stop for its
// `delete` action. Containers of one group share one shim process: the
// group is AnnotationGroup, else the pod sandbox id Kubernetes sets, else
// DefaultGroup; groups are per containerd namespace.
type Manager struct{}

var _ shim.Manager = Manager{}

// DefaultGroup is the group of containers that name none: by default
// every container of a namespace runs in one shim process (its microVMs
// are isolated from each other as those of one `nexus serve` are).
const DefaultGroup = front.DefaultGroup

// Name implements shim.Manager.
func (Manager) Name() string { return RuntimeName }

// Start implements shim.Manager: it runs in the bundle directory,
// starts (or finds) the shim process serving the container's group and
// returns the address containerd connects to.
func (Manager) Start(ctx context.Context, id string, opts shim.StartOpts) (_ string, retErr error) {
	ns, err := namespaces.NamespaceRequired(ctx)
	if err != nil {
		return "", err
	}
	group := DefaultGroup
	if s, err := readSpec("."); err == nil {
		for _, a := range groupAnnotations {
			if g := s.Annotations[a]; g != "" {
				group = g
				break
			}
		}
	}
	address, err := shim.SocketAddress(ctx, opts.Address, group)
	if err != nil {
		return "", err
	}
	var socket *net.UnixListener
	for deadline := time.Now().Add(startTimeout); ; {
		if socket, err = shim.NewSocket(address); err == nil {
			break
		}
		if !shim.SocketEaddrinuse(err) {
			return "", fmt.Errorf("create shim socket: %w", err)
		}
		// A shim of the group is there: it serves this container too if
		// it takes the reservation (it has not decided to exit).
		if err = reserve(ctx, address, id); err == nil {
			if err := shim.WriteAddress("address", address); err != nil {
				return "", err
			}
			return address, nil
		}
		if !shim.CanConnect(address) {
			// A shim that died without removing its socket.
			_ = shim.RemoveSocket(address)
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("start shim for group %s: the shim at %s is neither usable nor gone: %w", group, address, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	defer func() {
		if retErr != nil {
			socket.Close()
			_ = shim.RemoveSocket(address)
		}
	}()
	if err := shim.WriteAddress("address", address); err != nil {
		return "", err
	}
	f, err := socket.File()
	if err != nil {
		return "", err
	}
	defer f.Close()
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	args := []string{"-namespace", ns, "-id", id, "-address", opts.Address}
	if opts.Debug {
		args = append(args, "-debug")
	}
	cmd := exec.Command(self, args...)
	cmd.Dir = cwd
	cmd.Env = os.Environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.ExtraFiles = []*os.File{f} // fd 3: the socket the shim serves
	if err := cmd.Start(); err != nil {
		return "", err
	}
	go cmd.Wait()
	if err := shim.AdjustOOMScore(cmd.Process.Pid); err != nil {
		cmd.Process.Kill()
		return "", fmt.Errorf("adjust the shim's OOM score: %w", err)
	}
	return address, nil
}

// startTimeout bounds how long Start waits for an exiting shim of the
// group to give up its socket.
const startTimeout = 10 * time.Second

// reserve asks the shim serving address to keep running for container id
// (Service.Connect).
func reserve(ctx context.Context, address, id string) error {
	conn, err := shim.AnonDialer(address, time.Second)
	if err != nil {
		return err
	}
	client := ttrpc.NewClient(conn)
	defer client.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err = taskAPI.NewTaskClient(client).Connect(ctx, &taskAPI.ConnectRequest{ID: id})
	return err
}

// Stop implements shim.Manager: containerd calls it (the `delete` action)
// when a shim has gone away without deleting its task. A microVM lives in
// the shim process, so nothing is left to clean up.
func (Manager) Stop(ctx context.Context, id string) (shim.StopStatus, error) {
	return shim.StopStatus{Pid: 0, ExitStatus: 128 + int(syscall.SIGKILL), ExitedAt: time.Now()}, nil
}

// Register registers the task service as the shim library's ttrpc plugin;
// call it before shim.RunManager.
func Register() {
	plugin.Register(&plugin.Registration{
		Type:     plugin.TTRPCPlugin,
		ID:       "task",
		Requires: []plugin.Type{plugin.EventPlugin, plugin.InternalPlugin},
		InitFn: func(ic *plugin.InitContext) (interface{}, error) {
			pp, err := ic.GetByID(plugin.EventPlugin, "publisher")
			if err != nil {
				return nil, err
			}
			sd, err := ic.GetByID(plugin.InternalPlugin, "shutdown")
			if err != nil {
				return nil, err
			}
			ns, err := namespaces.NamespaceRequired(ic.Context)
			if err != nil {
				return nil, err
			}
			trusted, err := trustedKeys(os.Getenv(EnvTrust))
			if err != nil {
				return nil, err
			}
			images, err := NewContentStore(ic.Address, trusted...)
			if err != nil {
				return nil, err
			}
			socket := ""
			if a, err := shim.ReadAddress("address"); err == nil {
				socket = strings.TrimPrefix(a, "unix://")
			}
			sds := sd.(shutdown.Service)
			sds.RegisterCallback(func(context.Context) error { return images.Close() })
			return NewService(Config{Namespace: ns, Images: images, CacheDir: defaultHome().ImageCache(),
				Publisher: pp.(shim.Publisher), Shutdown: sds, Socket: socket}), nil
		},
	})
}

// defaultHome is the home whose image cache the shim uses: $NEXUS_HOME,
// else ~/.local/share/nexus, else /var/lib/nexus.
func defaultHome() home.Dir {
	if d := os.Getenv(EnvHome); d != "" {
		return home.At(d)
	}
	if h, err := os.UserHomeDir(); err == nil {
		return home.At(filepath.Join(h, ".local", "share", "nexus"))
	}
	return home.At("/var/lib/nexus")
}

// trustedKeys reads the public keys of a colon-separated list of files.
func trustedKeys(list string) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for _, p := range strings.Split(list, ":") {
		if p == "" {
			continue
		}
		k, err := image.ReadPublicKey(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvTrust, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
