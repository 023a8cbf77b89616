//go:build linux

package shim_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"

	"nexusos/microvm/wasmbin"
	"nexusos/node/shim"
)

// TestKubernetesCRI drives containerd's CRI API the way a kubelet does,
// with the runtime handler "nexus" (runtime_type io.containerd.nexus.v1):
// RunPodSandbox, CreateContainer, StartContainer, the container's log and
// exit code, StopContainer of a spinning app, then the pod's removal. The
// images are imported locally into containerd's k8s.io namespace with
// `ctr image import --no-unpack`; nothing is pulled (the sandbox image is
// a local NexusOS image: the nexus runtime never runs it).
func TestKubernetesCRI(t *testing.T) {
	const (
		hello   = "docker.io/nexusos/hello:1.0"
		spin    = "docker.io/nexusos/spin:1.0"
		sandbox = "docker.io/nexusos/sandbox:1.0"
	)
	c := startContainerdWith(t, "k8s.io", fmt.Sprintf(`
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nexus]
    runtime_type = %q
`, sandbox, shim.RuntimeName))
	c.importArchive("sandbox", sandboxImage(t, sandbox))
	c.importImage(seal(t, "hello", wasmbin.Hello("hello from a pod\n", 3)), hello)
	c.importImage(seal(t, "spin", startModule([]byte{wasmbin.OpLoop, wasmbin.BlockEmpty, wasmbin.OpBr, 0, wasmbin.OpEnd})), spin)

	conn, err := grpc.NewClient("unix://"+c.sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rt := cri.NewRuntimeServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The CRI plugin loads the images containerd holds in the background.
	for {
		st, err := cri.NewImageServiceClient(conn).ImageStatus(ctx, &cri.ImageStatusRequest{Image: &cri.ImageSpec{Image: spin}})
		if err == nil && st.Image != nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the CRI plugin does not list %s: %v", spin, err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	logs := t.TempDir()
	pod := &cri.PodSandboxConfig{
		Metadata:     &cri.PodSandboxMetadata{Name: "nexus-pod", Uid: "uid-1", Namespace: "default"},
		LogDirectory: logs,
		Linux: &cri.LinuxPodSandboxConfig{SecurityContext: &cri.LinuxSandboxSecurityContext{
			NamespaceOptions: &cri.NamespaceOption{Network: cri.NamespaceMode_NODE}}}, // no CNI here
	}
	sb, err := rt.RunPodSandbox(ctx, &cri.RunPodSandboxRequest{Config: pod, RuntimeHandler: "nexus"})
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	container := func(name, image string, args ...string) string {
		t.Helper()
		cc, err := rt.CreateContainer(ctx, &cri.CreateContainerRequest{PodSandboxId: sb.PodSandboxId, SandboxConfig: pod,
			Config: &cri.ContainerConfig{Metadata: &cri.ContainerMetadata{Name: name}, Image: &cri.ImageSpec{Image: image},
				Command: []string{name}, Args: args, LogPath: name + ".log"}})
		if err != nil {
			t.Fatalf("CreateContainer %s: %v", name, err)
		}
		if _, err := rt.StartContainer(ctx, &cri.StartContainerRequest{ContainerId: cc.ContainerId}); err != nil {
			t.Fatalf("StartContainer %s: %v", name, err)
		}
		return cc.ContainerId
	}
	exited := func(id string) *cri.ContainerStatus {
		t.Helper()
		for {
			st, err := rt.ContainerStatus(ctx, &cri.ContainerStatusRequest{ContainerId: id})
			if err != nil {
				t.Fatal(err)
			}
			if st.Status.State == cri.ContainerState_CONTAINER_EXITED {
				return st.Status
			}
			if ctx.Err() != nil {
				t.Fatalf("container %s did not exit: %v", id, st.Status)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	id := container("hello", hello, "world")
	if st := exited(id); st.ExitCode != 3 {
		t.Errorf("hello exited with %d (%s), want 3", st.ExitCode, st.Message)
	}
	// CRI log lines: TIMESTAMP STREAM TAG MESSAGE.
	b, err := os.ReadFile(filepath.Join(logs, "hello.log"))
	if err != nil || !strings.Contains(string(b), " stdout F hello from a pod\n") {
		t.Errorf("hello's log: %q %v", b, err)
	}

	id = container("spin", spin)
	time.Sleep(100 * time.Millisecond)
	if _, err := rt.StopContainer(ctx, &cri.StopContainerRequest{ContainerId: id, Timeout: 10}); err != nil {
		t.Fatalf("StopContainer: %v", err)
	}
	if st := exited(id); st.ExitCode != 143 {
		t.Errorf("stopped spinner exited with %d, want 143 (SIGTERM)", st.ExitCode)
	}

	if _, err := rt.StopPodSandbox(ctx, &cri.StopPodSandboxRequest{PodSandboxId: sb.PodSandboxId}); err != nil {
		t.Fatalf("StopPodSandbox: %v", err)
	}
	if _, err := rt.RemovePodSandbox(ctx, &cri.RemovePodSandboxRequest{PodSandboxId: sb.PodSandboxId}); err != nil {
		t.Fatalf("RemovePodSandbox: %v", err)
	}
}

// sandboxImage is an OCI image layout archive of an image with no layers
// whose config names an entrypoint: all the CRI plugin needs of a pod
// sandbox image.
func sandboxImage(t *testing.T, ref string) []byte {
	t.Helper()
	var files []struct {
		name string
		body []byte
	}
	add := func(name string, body []byte) {
		files = append(files, struct {
			name string
			body []byte
		}{name, body})
	}
	blob := func(mediaType string, v any) map[string]any {
		b, _ := json.Marshal(v)
		sum := sha256.Sum256(b)
		d := "sha256:" + hex.EncodeToString(sum[:])
		add("blobs/sha256/"+d[7:], b)
		return map[string]any{"mediaType": mediaType, "digest": d, "size": len(b)}
	}
	config := blob("application/vnd.oci.image.config.v1+json", map[string]any{
		"architecture": goruntime.GOARCH, "os": "linux",
		"config": map[string]any{"Entrypoint": []string{"/pause"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{}}})
	manifest := blob("application/vnd.oci.image.manifest.v1+json", map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": config, "layers": []any{}})
	manifest["annotations"] = map[string]string{"org.opencontainers.image.ref.name": ref}
	index, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []any{manifest}})
	add("index.json", index)
	add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg})
		tw.Write(f.body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
