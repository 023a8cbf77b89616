//go:build linux

package image

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOCIContainerd hands an exported image to a real containerd (Debian
// package containerd; .ci/deps.d/70-containerd.sh installs it): `ctr
// image import` must accept the archive and `ctr image ls` list it, and
// what `ctr image export` writes back must import here unchanged.
// containerd runs on its own socket, root and state under a temporary
// directory and is stopped when the test ends, however it ends.
func TestOCIContainerd(t *testing.T) {
	ctr, err1 := exec.LookPath("ctr")
	containerd, err2 := exec.LookPath("containerd")
	if err1 != nil || err2 != nil {
		t.Skip("containerd and ctr not installed (apt-get install containerd; .ci/deps.d/70-containerd.sh)")
	}
	if os.Geteuid() != 0 {
		t.Skip("containerd needs root")
	}
	// A unix socket path must fit in 108 bytes: keep the directory short.
	dir, err := os.MkdirTemp("", "nxctr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "c.sock")
	config := filepath.Join(dir, "config.toml")
	os.WriteFile(config, fmt.Appendf(nil, `version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
[plugins."io.containerd.internal.v1.opt"]
  path = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), sock, filepath.Join(dir, "opt")), 0o644)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	var log bytes.Buffer
	daemon := exec.CommandContext(ctx, containerd, "--config", config)
	daemon.Stdout, daemon.Stderr = &log, &log
	daemon.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // gone with the test binary
	daemon.Cancel = func() error { return daemon.Process.Signal(syscall.SIGTERM) }
	daemon.WaitDelay = 5 * time.Second // then SIGKILL
	if err := daemon.Start(); err != nil {
		cancel()
		t.Fatalf("start containerd: %v", err)
	}
	// Registered after the directory's cleanup, so it runs first.
	t.Cleanup(func() {
		cancel()
		daemon.Wait()
		if t.Failed() {
			t.Logf("containerd log:\n%s", log.String())
		}
	})

	run := func(args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, ctr, append([]string{"--address", sock, "--namespace", "nexus-test"}, args...)...).CombinedOutput()
		return string(out), err
	}
	for {
		if _, err := run("version"); err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("containerd did not come up")
		}
		time.Sleep(50 * time.Millisecond)
	}

	_, priv, _ := ed25519.GenerateKey(nil)
	img, archive := exportOCI(t, "hello", priv)
	p := filepath.Join(dir, "hello.tar")
	os.WriteFile(p, archive, 0o644)
	manifest := descriptorOf("", blobOfType(t, mustUntar(t, archive), MediaTypeOCIManifest)).Digest

	// --no-unpack: the layer is a sealed image, not a root file system.
	if out, err := run("image", "import", "--no-unpack", p); err != nil {
		t.Fatalf("ctr image import: %v\n%s", err, out)
	}
	out, err := run("image", "ls")
	if err != nil {
		t.Fatalf("ctr image ls: %v\n%s", err, out)
	}
	if !strings.Contains(out, "hello:latest") || !strings.Contains(out, manifest) || !strings.Contains(out, MediaTypeOCIManifest) {
		t.Fatalf("ctr image ls does not list hello:latest %s:\n%s", manifest, out)
	}

	back := filepath.Join(dir, "back.tar")
	if out, err := run("image", "export", back, "hello:latest"); err != nil {
		t.Fatalf("ctr image export: %v\n%s", err, out)
	}
	got, err := ReadOCI(back, "hello:latest", priv.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatalf("import what containerd exported: %v", err)
	}
	if len(got) != 1 || got[0].Digest != img.Digest || got[0].ManifestDigest != manifest || !bytes.Equal(got[0].Bytes(), img.Bytes()) {
		t.Fatalf("containerd round trip changed the image: %+v", got)
	}
}

// TestOCIRegistry pushes an exported archive to a real registry (Debian's
// docker-registry, the CNCF distribution registry) with skopeo, pulls it
// back into an OCI layout directory and imports that: the registry must
// accept the manifest with its NexusOS config and layer media types and
// return it unchanged. .ci/deps.d/71-oci-registry.sh installs both.
func TestOCIRegistry(t *testing.T) {
	registry, err1 := exec.LookPath("docker-registry")
	skopeo, err2 := exec.LookPath("skopeo")
	if err1 != nil || err2 != nil {
		t.Skip("docker-registry and skopeo not installed (apt-get install docker-registry skopeo; .ci/deps.d/71-oci-registry.sh)")
	}
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	config := filepath.Join(dir, "config.yml")
	os.WriteFile(config, fmt.Appendf(nil, "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n",
		filepath.Join(dir, "data"), addr), 0o644)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	var log bytes.Buffer
	daemon := exec.CommandContext(ctx, registry, "serve", config)
	daemon.Stdout, daemon.Stderr = &log, &log
	daemon.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	daemon.Cancel = func() error { return daemon.Process.Signal(syscall.SIGTERM) }
	daemon.WaitDelay = 5 * time.Second
	if err := daemon.Start(); err != nil {
		cancel()
		t.Fatalf("start registry: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		daemon.Wait()
		if t.Failed() {
			t.Logf("registry log:\n%s", log.String())
		}
	})
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the registry did not come up")
		}
		time.Sleep(50 * time.Millisecond)
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, skopeo, append([]string{"--insecure-policy"}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+dir, "TMPDIR="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("skopeo %v: %v\n%s", args, err, out)
		}
	}

	_, priv, _ := ed25519.GenerateKey(nil)
	img, archive := exportOCI(t, "hello", priv)
	p := filepath.Join(dir, "hello.tar")
	os.WriteFile(p, archive, 0o644)
	manifest := descriptorOf("", blobOfType(t, mustUntar(t, archive), MediaTypeOCIManifest)).Digest
	remote := "docker://" + addr + "/nexusos/hello:1.0"
	run("copy", "--dest-tls-verify=false", "oci-archive:"+p, remote)
	layout := filepath.Join(dir, "layout")
	run("copy", "--src-tls-verify=false", remote, "oci:"+layout+":hello:1.0")

	got, err := ReadOCI(layout, "hello:1.0", priv.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatalf("import what the registry returned: %v", err)
	}
	if len(got) != 1 || got[0].Digest != img.Digest || got[0].ManifestDigest != manifest || !bytes.Equal(got[0].Bytes(), img.Bytes()) {
		t.Fatalf("registry round trip changed the image: %+v", got)
	}
}

func mustUntar(t testing.TB, b []byte) map[string][]byte {
	files, _ := untar(t, b)
	return files
}
