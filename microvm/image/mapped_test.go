package image

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"nexusos/microvm"
)

// bigKVMImage seals a tier-2 image whose module, snapshot and files are
// each large enough to be hashed on goroutines of their own, signed by
// priv.
func bigKVMImage(t *testing.T, priv ed25519.PrivateKey) *Image {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	fill := func(n int, prefix string) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		copy(b, prefix)
		return b
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "blob"), fill(parallelHash+4096, ""), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := ArchiveDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := Manifest{Manifest: microvm.Manifest{ABI: 1, Name: "big", Tier: microvm.TierKVM, Args: []string{"big"}}, Source: "go"}
	snap := &microvm.Snapshot{Memory: fill(2*parallelHash, "NXSNAP\x00\x01"), Entry: KVMSnapshotEntry}
	img, err := seal(m, fill(3*parallelHash, "\x7fELF"), snap, files)
	if err != nil {
		t.Fatal(err)
	}
	if priv != nil {
		img.Sign(priv)
	}
	return img
}

func writeImage(t *testing.T, img *Image, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "app.nxi")
	if err := os.WriteFile(p, img.Bytes(), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return p
}

// TestMapFile: a mapped image is the image ReadFile reads, section for
// section; Close releases it and clears its slices.
func TestMapFile(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	want := bigKVMImage(t, priv)
	p := writeImage(t, want, 0o644)
	read, err := ReadFile(p, pub)
	if err != nil {
		t.Fatal(err)
	}
	img, err := MapFile(p, MapOptions{Trusted: []ed25519.PublicKey{pub}})
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "linux" && img.release == nil {
		t.Error("a 0644 file of this user's on a local file system was read, not mapped")
	}
	for _, c := range []struct {
		name      string
		got, want []byte
	}{
		{"manifest", img.ManifestJSON, read.ManifestJSON},
		{"module", img.Module, want.Module},
		{"memory", img.Memory, want.Memory},
		{"files", img.Files, want.Files},
	} {
		if !bytes.Equal(c.got, c.want) || len(c.got) == 0 {
			t.Errorf("%s: %d bytes, want %d", c.name, len(c.got), len(c.want))
		}
	}
	if img.Digest != want.Digest || img.Signature == nil || img.Signature.KeyID() != KeyID(pub) {
		t.Errorf("digest %s signer %v, want %s by %s", img.Digest, img.Signature, want.Digest, KeyID(pub))
	}
	if err := img.Close(); err != nil {
		t.Fatal(err)
	}
	if img.Module != nil || img.Memory != nil || img.Close() != nil {
		t.Error("Close left the sections, or a second Close failed")
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if _, err := MapFile(p, MapOptions{Trusted: []ed25519.PublicKey{other}}); !errors.Is(err, ErrUntrusted) {
		t.Errorf("untrusted signer: %v, want ErrUntrusted", err)
	}
}

// TestMapFileTampered: a flipped byte in any section is refused whether
// the file is mapped (0644) or read (0664: others may write it); Prepare
// sees the manifest before that is known.
func TestMapFileTampered(t *testing.T) {
	img := bigKVMImage(t, nil)
	b := img.Bytes()
	for name, section := range map[string][]byte{"module": img.Module, "memory": img.Memory, "files": img.Files} {
		at := bytes.Index(b, section[len(section)/2:len(section)/2+64]) + 7
		for _, mode := range []os.FileMode{0o644, 0o664} {
			c := bytes.Clone(b)
			c[at] ^= 0x10
			p := filepath.Join(t.TempDir(), "app.nxi")
			if err := os.WriteFile(p, c, mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(p, mode)
			var prepared string
			_, err := MapFile(p, MapOptions{Prepare: func(m *Manifest) { prepared = m.Name }})
			if !errors.Is(err, ErrTampered) {
				t.Errorf("%s flipped, mode %o: %v, want ErrTampered", name, mode, err)
			}
			if prepared != "big" {
				t.Errorf("%s flipped, mode %o: Prepare saw %q", name, mode, prepared)
			}
		}
	}
}

// TestMappable: only files nobody less trusted than this process can
// write are mapped.
func TestMappable(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mapping is Linux-only")
	}
	img := bigKVMImage(t, nil)
	for _, c := range []struct {
		mode   os.FileMode
		mapped bool
	}{{0o644, true}, {0o444, true}, {0o600, true}, {0o664, false}, {0o646, false}, {0o666, false}} {
		p := writeImage(t, img, c.mode)
		b, release, err := mapSealed(p)
		if err != nil {
			t.Fatal(err)
		}
		if (release != nil) != c.mapped || !bytes.Equal(b, img.Bytes()) {
			t.Errorf("mode %o: mapped %v, want %v (bytes equal: %v)", c.mode, release != nil, c.mapped, bytes.Equal(b, img.Bytes()))
		}
		if release != nil {
			release()
		}
	}
	if os.Geteuid() == 0 {
		// Owned by another user: that user could change it after the check.
		p := writeImage(t, img, 0o644)
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, release, err := mapSealed(p); err != nil || release != nil {
			t.Errorf("a file of another user's: mapped %v, err %v", release != nil, err)
		}
	}
	if _, _, err := mapSealed(t.TempDir()); err == nil {
		t.Error("mapped a directory")
	}
}

// TestStoreMap: Store.Map finds images as Load does and refuses one
// stored under another image's digest.
func TestStoreMap(t *testing.T) {
	s, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, b := sealed(t, "alpha"), sealed(t, "beta")
	for _, img := range []*Image{a, b} {
		if err := s.Put(img); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Map("alpha", MapOptions{})
	if err != nil || got.Digest != a.Digest || !bytes.Equal(got.Module, a.Module) {
		t.Fatalf("Map alpha: %v", err)
	}
	got.Close()
	if err := os.WriteFile(s.path(a.Digest), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Map("alpha", MapOptions{}); !errors.Is(err, ErrTampered) {
		t.Fatalf("beta stored as alpha's digest: %v, want ErrTampered", err)
	}
	if _, err := s.Map("gamma", MapOptions{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown name: %v", err)
	}
}

// TestVerifyAfterDecode: Decode checks the signature once; Verify after
// it still refuses a signature or digest changed since.
func TestVerifyAfterDecode(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	img := sealed(t, "hello")
	img.Sign(priv)
	got, err := Decode(img.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(pub); err != nil {
		t.Fatalf("Verify after Decode: %v", err)
	}
	got.Signature.Sig[3] ^= 1
	if err := got.Verify(pub); !errors.Is(err, ErrBadSignature) {
		t.Errorf("signature changed after Decode: %v, want ErrBadSignature", err)
	}
	got.Signature.Sig[3] ^= 1
	if err := got.Verify(pub); err != nil {
		t.Errorf("signature restored: %v", err)
	}
	got.Digest = strings.Replace(got.Digest, got.Digest[10:12], "zz", 1)
	if err := got.Verify(pub); !errors.Is(err, ErrBadSignature) {
		t.Errorf("digest changed after Decode: %v, want ErrBadSignature", err)
	}
}

// TestHashSections: the sections' addresses do not depend on which are
// hashed concurrently.
func TestHashSections(t *testing.T) {
	big := bytes.Repeat([]byte{7}, parallelHash+1)
	small := []byte("small")
	for _, parts := range [][3][]byte{{big, big[1:], small}, {small, big, big[2:]}, {nil, nil, nil}, {small, nil, big}} {
		m, mem, f := hashSections(parts[0], parts[1], parts[2])()
		if m != blobOf(parts[0]) || mem != blobOf(parts[1]) || f != blobOf(parts[2]) {
			t.Errorf("sizes %d %d %d: wrong addresses", len(parts[0]), len(parts[1]), len(parts[2]))
		}
	}
}

// TestVerifyHammer: goroutines verify one decoded image at once (as the
// shim's cache does), with trusted and untrusted keys; run with -race.
func TestVerifyHammer(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	other, _, _ := ed25519.GenerateKey(nil)
	img := sealed(t, "hello")
	img.Sign(priv)
	got, err := Decode(img.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for range 50 {
				if err := got.Verify(pub); err != nil {
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
				if err := got.Verify(other); !errors.Is(err, ErrUntrusted) {
					t.Errorf("goroutine %d, untrusted key: %v", g, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
