package image

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nexusos/microvm"
	"nexusos/microvm/wasmbin"
)

func testManifest(name string) Manifest {
	return Manifest{Manifest: microvm.Manifest{ABI: 1, Name: name, Tier: microvm.TierWasm, Args: []string{name}}, Source: "wasm"}
}

func sealed(t testing.TB, name string) *Image {
	t.Helper()
	img, err := Seal(testManifest(name), wasmbin.Hello("hi", 0))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestRoundTrip(t *testing.T) {
	img := sealed(t, "hello")
	got, err := Decode(img.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != img.Digest || !bytes.Equal(got.Module, img.Module) || got.Manifest.Name != "hello" {
		t.Fatalf("round trip changed the image: %+v", got.Manifest)
	}
	if !strings.HasPrefix(img.Digest, "sha256:") || len(img.Digest) != 71 {
		t.Fatalf("digest %q", img.Digest)
	}
	// Sealing is deterministic: same inputs, same digest.
	if again := sealed(t, "hello"); again.Digest != img.Digest {
		t.Fatalf("sealing twice gave %s and %s", img.Digest, again.Digest)
	}
}

func TestTamperDetected(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	img := sealed(t, "hello")
	img.Sign(priv)
	b := img.Bytes()
	mlen := len(img.ManifestJSON)
	moduleAt := 16 + mlen + 8

	flip := func(off int) []byte {
		c := append([]byte(nil), b...)
		c[off] ^= 0x01
		return c
	}
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"module byte", flip(moduleAt + 10), ErrTampered},
		{"manifest byte", []byte(strings.Replace(string(b), `"name": "hello"`, `"name": "hellp"`, 1)), ErrBadSignature},
		{"magic", flip(0), ErrFormat},
		{"truncated", b[:len(b)-3], ErrFormat},
		{"signature byte", flip(len(b) - 10), nil}, // either a bad signature or bad JSON
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.b)
			if err == nil {
				t.Fatal("tampered image decoded without error")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestSignatureTrust(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	other, _, _ := ed25519.GenerateKey(nil)
	img := sealed(t, "app")
	if err := img.Verify(pub); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("unsigned image with a trusted key required: %v", err)
	}
	img.Sign(priv)
	dec, err := Decode(img.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := dec.Verify(pub); err != nil {
		t.Fatalf("trusted signer refused: %v", err)
	}
	if err := dec.Verify(other); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("untrusted signer: %v", err)
	}
	if dec.Signature.KeyID() != KeyID(pub) {
		t.Fatal("key id changed in transit")
	}
}

func TestKeysOnDisk(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "me.key")
	pub, err := GenerateKey(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateKey(p); err == nil {
		t.Fatal("GenerateKey overwrote an existing key")
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %v", st.Mode().Perm())
	}
	priv, err := ReadPrivateKey(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{p + ".pub", p} {
		got, err := ReadPublicKey(path)
		if err != nil || !got.Equal(pub) || !priv.Public().(ed25519.PublicKey).Equal(pub) {
			t.Fatalf("read public key from %s: %v", path, err)
		}
	}
}

func TestStore(t *testing.T) {
	s, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a := sealed(t, "alpha")
	m := testManifest("alpha")
	m.Version = "2"
	a2, err := Seal(m, wasmbin.Hello("v2", 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range []*Image{a, a2} {
		if err := s.Put(img); err != nil {
			t.Fatal(err)
		}
	}
	for _, ref := range []string{"alpha", a2.Digest, strings.TrimPrefix(a2.Digest, "sha256:")[:12]} {
		got, err := s.Load(ref)
		if err != nil {
			t.Fatalf("load %s: %v", ref, err)
		}
		if got.Digest != a2.Digest {
			t.Fatalf("load %s = %s, want the latest %s", ref, got.Digest, a2.Digest)
		}
	}
	if got, err := s.Load(a.Digest); err != nil || got.Manifest.Version != "" {
		t.Fatalf("older image by digest: %v", err)
	}
	if _, err := s.Load("nosuch"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing name: %v", err)
	}
	list, err := s.List()
	if err != nil || len(list) != 2 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	latest := 0
	for _, e := range list {
		if e.Latest {
			latest++
			if e.Digest != a2.Digest {
				t.Fatalf("latest is %s", e.Digest)
			}
		}
	}
	if latest != 1 {
		t.Fatalf("%d images marked latest", latest)
	}

	// Swapping in another valid image under a digest's file name is caught.
	if err := os.WriteFile(s.path(a.Digest), a2.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(a.Digest); !errors.Is(err, ErrTampered) {
		t.Fatalf("swapped image: %v", err)
	}
}

func TestReadModule(t *testing.T) {
	dir := t.TempDir()
	w := filepath.Join(dir, "m.wasm")
	os.WriteFile(w, wasmbin.Hello("x", 0), 0o644)
	if b, kind, err := ReadModule(t.Context(), w); err != nil || kind != "wasm" || !IsWasm(b) {
		t.Fatalf("ReadModule(.wasm) = %s, %v", kind, err)
	}
	txt := filepath.Join(dir, "notes.txt")
	os.WriteFile(txt, []byte("hello"), 0o644)
	if _, _, err := ReadModule(t.Context(), txt); err == nil {
		t.Fatal("a text file was accepted as a module")
	}
}

func FuzzDecode(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(nil)
	img, _ := Seal(testManifest("fuzz"), wasmbin.Hello("x", 0))
	f.Add(img.Bytes())
	img.Sign(priv)
	f.Add(img.Bytes())
	f.Add([]byte(Magic))
	if snap, err := SealSnapshot(testManifest("fuzz"), wasmbin.Hello("x", 0), &microvm.Snapshot{Memory: make([]byte, 64<<10), Entry: "nexus_main"}); err == nil {
		f.Add(snap.Bytes())
	}
	if files, err := archiveOf(map[string]string{"etc/motd": "hi\n", "a/b/c": "x"}); err == nil {
		m := testManifest("fuzz")
		m.Tier = microvm.TierKVM
		if img, err := SealFiles(m, []byte("\x7fELF stand-in"), files); err == nil {
			f.Add(img.Bytes())
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Decode(b)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode to an image that decodes to the
		// same digest and module.
		again, err := Decode(img.Bytes())
		if err != nil {
			t.Fatalf("re-encoded image does not decode: %v", err)
		}
		if again.Digest != img.Digest || !bytes.Equal(again.Module, img.Module) || !bytes.Equal(again.Files, img.Files) {
			t.Fatalf("round trip changed the image")
		}
		if err := img.Manifest.Validate(); err != nil {
			t.Fatalf("decoded an invalid manifest: %v", err)
		}
	})
}

func TestSnapshotTamperDetected(t *testing.T) {
	mem := make([]byte, 64<<10)
	copy(mem, "snapshot memory")
	img, err := SealSnapshot(testManifest("snap"), wasmbin.Hello("x", 0), &microvm.Snapshot{Memory: mem, Entry: "nexus_main", Nanotime: 7})
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bytes()
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	p := got.Program()
	if p.Snapshot == nil || p.Snapshot.Entry != "nexus_main" || p.Snapshot.Nanotime != 7 || !bytes.Equal(p.Snapshot.Memory, mem) {
		t.Fatalf("snapshot lost in transit: %+v", got.Manifest.Preinit)
	}
	i := bytes.Index(b, []byte("snapshot memory"))
	b[i] ^= 1
	if _, err := Decode(b); !errors.Is(err, ErrTampered) {
		t.Fatalf("flipped memory byte: %v", err)
	}
	if _, err := SealSnapshot(testManifest("snap"), wasmbin.Hello("x", 0), &microvm.Snapshot{Memory: mem[:100], Entry: "e"}); err == nil {
		t.Fatal("sealed a memory snapshot of partial pages")
	}
}
