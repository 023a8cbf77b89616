package image

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"nexusos/microvm"
	"nexusos/microvm/wasmbin"
)

// exportOCI seals name, optionally signs it, and returns the image and its
// OCI archive.
func exportOCI(t testing.TB, name string, key ed25519.PrivateKey) (*Image, []byte) {
	t.Helper()
	img := sealed(t, name)
	if key != nil {
		img.Sign(key)
	}
	var b bytes.Buffer
	if _, err := WriteOCI(&b, img, ""); err != nil {
		t.Fatal(err)
	}
	return img, b.Bytes()
}

func decodeOCI(b []byte, trusted ...ed25519.PublicKey) ([]OCIImage, error) {
	return DecodeOCI(bytes.NewReader(b), int64(len(b)), "", trusted...)
}

// untar returns an archive's regular files by name, in archive order.
func untar(t testing.TB, b []byte) (map[string][]byte, []string) {
	t.Helper()
	files := map[string][]byte{}
	var order []string
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		hdr, err := tr.Next()
		if err != nil {
			break
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		var body bytes.Buffer
		body.ReadFrom(tr)
		files[hdr.Name] = body.Bytes()
		order = append(order, hdr.Name)
	}
	return files, order
}

// retar writes files as an archive: oci-layout and index.json first, then
// the rest in name order; extra entries go last, as given.
func retar(t testing.TB, files map[string][]byte, extra ...*tar.Header) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		rank := func(s string) int {
			switch s {
			case "oci-layout":
				return 0
			case "index.json":
				return 1
			}
			return 2
		}
		if r := rank(a) - rank(b); r != 0 {
			return r
		}
		return strings.Compare(a, b)
	})
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(files[n]))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(files[n])
	}
	for _, h := range extra {
		tw.WriteHeader(h)
		if h.Typeflag == tar.TypeReg && h.Size < 1<<20 {
			tw.Write(make([]byte, h.Size))
		}
	}
	tw.Close() // fails for an entry that declares more than it holds; the bytes are what the test wants
	return b.Bytes()
}

// replaceBlob swaps blob old for new and re-addresses everything that
// refers to it (manifest, then index.json), the way a careful attacker
// would: every digest and size in the result is consistent.
func replaceBlob(files map[string][]byte, old, new []byte) {
	od, nd := descriptorOf("", old), descriptorOf("", new)
	delete(files, blobPath(od.Digest))
	files[blobPath(nd.Digest)] = new
	from := fmt.Appendf(nil, `"digest":%q,"size":%d`, od.Digest, od.Size)
	to := fmt.Appendf(nil, `"digest":%q,"size":%d`, nd.Digest, nd.Size)
	var referrers []string
	for name, b := range files {
		if bytes.Contains(b, from) {
			referrers = append(referrers, name)
		}
	}
	for _, name := range referrers {
		b := files[name]
		if name == "index.json" {
			files[name] = bytes.ReplaceAll(b, from, to)
		} else {
			replaceBlob(files, b, bytes.ReplaceAll(b, from, to))
		}
	}
}

// blobOfType returns the bytes of the (only) blob of a media type,
// following index.json and the manifest.
func blobOfType(t testing.TB, files map[string][]byte, mediaType string) []byte {
	t.Helper()
	var idx ociIndex
	json.Unmarshal(files["index.json"], &idx)
	mb := files[blobPath(idx.Manifests[0].Digest)]
	if mediaType == MediaTypeOCIManifest {
		return mb
	}
	var m ociManifest
	json.Unmarshal(mb, &m)
	for _, d := range append(m.Layers, m.Config) {
		if d.MediaType == mediaType {
			return files[blobPath(d.Digest)]
		}
	}
	t.Fatalf("no %s blob", mediaType)
	return nil
}

func TestOCIRoundTrip(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	img, b := exportOCI(t, "hello", priv)

	var again bytes.Buffer
	manifestDigest, err := WriteOCI(&again, img, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, again.Bytes()) {
		t.Fatal("exporting the same image twice gave different archives")
	}

	// The archive is an OCI layout: oci-layout, index.json, blobs.
	files, _ := untar(t, b)
	if string(files["oci-layout"]) != `{"imageLayoutVersion":"1.0.0"}` {
		t.Fatalf("oci-layout: %s", files["oci-layout"])
	}
	var idx ociIndex
	if err := json.Unmarshal(files["index.json"], &idx); err != nil || idx.SchemaVersion != 2 || idx.MediaType != MediaTypeOCIIndex ||
		len(idx.Manifests) != 1 || idx.Manifests[0].Digest != manifestDigest || idx.Manifests[0].Annotations[AnnotationRefName] != "hello:latest" {
		t.Fatalf("index.json: %s (%v)", files["index.json"], err)
	}
	if got := blobOfType(t, files, MediaTypeOCISealed); !bytes.Equal(got, img.Bytes()) {
		t.Fatal("the layer is not the sealed image unchanged")
	}
	var m ociManifest
	json.Unmarshal(blobOfType(t, files, MediaTypeOCIManifest), &m)
	for k, want := range map[string]string{AnnotationTitle: "hello", AnnotationDigest: img.Digest, AnnotationTier: "wasm",
		AnnotationSigner: img.Signature.KeyID(), AnnotationCapabilities: "{}"} {
		if m.Annotations[k] != want {
			t.Errorf("annotation %s = %q, want %q", k, m.Annotations[k], want)
		}
	}

	check := func(t *testing.T, got []OCIImage, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Digest != img.Digest || !bytes.Equal(got[0].Bytes(), img.Bytes()) ||
			got[0].Ref != "hello:latest" || got[0].ManifestDigest != manifestDigest {
			t.Fatalf("round trip changed the image: %+v", got)
		}
	}
	t.Run("archive", func(t *testing.T) {
		got, err := decodeOCI(b, pub)
		check(t, got, err)
	})
	dir := t.TempDir()
	t.Run("file", func(t *testing.T) {
		p := filepath.Join(dir, "hello.tar")
		os.WriteFile(p, b, 0o644)
		got, err := ReadOCI(p, "hello:latest", pub)
		check(t, got, err)
	})
	t.Run("directory", func(t *testing.T) {
		layout := filepath.Join(dir, "layout")
		for name, body := range files {
			os.MkdirAll(filepath.Join(layout, filepath.Dir(name)), 0o755)
			os.WriteFile(filepath.Join(layout, name), body, 0o644)
		}
		got, err := ReadOCI(layout, "", pub)
		check(t, got, err)
		// A blob that escapes the directory through a symlink is refused.
		os.WriteFile(filepath.Join(dir, "outside"), blobOfType(t, files, MediaTypeOCISealed), 0o644)
		p := filepath.Join(layout, blobPath(descriptorOf("", img.Bytes()).Digest))
		os.Remove(p)
		os.Symlink(filepath.Join(dir, "outside"), p)
		if _, err := ReadOCI(layout, "", pub); err == nil {
			t.Fatal("a blob symlinked out of the layout was read")
		}
	})
	t.Run("store", func(t *testing.T) {
		s, err := OpenStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeOCI(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Put(got[0].Image); err != nil {
			t.Fatal(err)
		}
		loaded, err := s.Load("hello", pub)
		if err != nil || loaded.Digest != img.Digest {
			t.Fatalf("load after import: %v", err)
		}
	})
	t.Run("tier kvm with sealed files", func(t *testing.T) {
		files, err := ArchiveDir(treeDir(t))
		if err != nil {
			t.Fatal(err)
		}
		kimg, err := SealFiles(kvmManifest("app"), fakeELF, files)
		if err != nil {
			t.Fatal(err)
		}
		kimg.Sign(priv)
		var kb bytes.Buffer
		if _, err := WriteOCI(&kb, kimg, ""); err != nil {
			t.Fatal(err)
		}
		got, err := decodeOCI(kb.Bytes(), pub)
		if err != nil || got[0].Digest != kimg.Digest || !bytes.Equal(got[0].Files, files) || got[0].Manifest.Tier != "kvm" {
			t.Fatalf("tier-2 round trip: %v", err)
		}
	})
	t.Run("version tag", func(t *testing.T) {
		v := testManifest("tool")
		v.Version = "1.2.0"
		vimg, err := Seal(v, img.Module)
		if err != nil {
			t.Fatal(err)
		}
		var vb bytes.Buffer
		if _, err := WriteOCI(&vb, vimg, ""); err != nil {
			t.Fatal(err)
		}
		got, err := decodeOCI(vb.Bytes())
		if err != nil || got[0].Ref != "tool:1.2.0" {
			t.Fatalf("ref %q, err %v", got[0].Ref, err)
		}
	})
}

func TestOCIRefused(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	other, _, _ := ed25519.GenerateKey(nil)
	img, good := exportOCI(t, "hello", priv)
	_, unsigned := exportOCI(t, "hello", nil)

	// edit returns the archive after f changed its files.
	edit := func(f func(files map[string][]byte), extra ...*tar.Header) []byte {
		files, _ := untar(t, good)
		f(files)
		return retar(t, files, extra...)
	}
	sealedBytes := img.Bytes()
	sealedEdit := func(f func(b []byte) []byte) []byte {
		return edit(func(files map[string][]byte) {
			replaceBlob(files, sealedBytes, f(bytes.Clone(sealedBytes)))
		})
	}
	manifestEdit := func(f func(m *ociManifest)) []byte {
		return edit(func(files map[string][]byte) {
			old := blobOfType(t, files, MediaTypeOCIManifest)
			var m ociManifest
			json.Unmarshal(old, &m)
			f(&m)
			nb, _ := json.Marshal(m)
			replaceBlob(files, old, nb)
		})
	}
	flipped := bytes.Clone(good)
	flipped[bytes.Index(flipped, []byte("wasi_snapshot_preview1"))] ^= 1 // inside the sealed layer's module

	cases := []struct {
		name    string
		archive []byte
		trusted []ed25519.PublicKey
		want    error
	}{
		{"blob byte flipped", flipped, nil, ErrTampered},
		{"module tampered, digests redone", sealedEdit(func(b []byte) []byte {
			i := bytes.Index(b, []byte("wasi_snapshot_preview1"))
			b[i] ^= 1
			return b
		}), nil, ErrTampered},
		{"signature tampered, digests redone", sealedEdit(func([]byte) []byte {
			c, s := *img, *img.Signature
			s.Sig = bytes.Clone(s.Sig)
			s.Sig[7] ^= 1
			c.Signature = &s
			return c.Bytes()
		}), nil, ErrBadSignature},
		{"signature stripped, digests redone", sealedEdit(func([]byte) []byte {
			c := *img
			c.Signature = nil
			return c.Bytes()
		}), nil, ErrTampered}, // the signature annotation no longer matches
		{"signature annotation altered", manifestEdit(func(m *ociManifest) {
			_, k, _ := ed25519.GenerateKey(nil)
			c := *img
			c.Sign(k)
			sj, _ := json.Marshal(c.Signature)
			m.Annotations[AnnotationSignature] = string(sj)
		}), nil, ErrTampered},
		{"tier annotation altered", manifestEdit(func(m *ociManifest) { m.Annotations[AnnotationTier] = "kvm" }), nil, ErrTampered},
		{"not the sealed image", edit(func(files map[string][]byte) {
			replaceBlob(files, sealedBytes, []byte("not an image"))
		}), nil, ErrFormat},
		{"untrusted signer", good, []ed25519.PublicKey{other}, ErrUntrusted},
		{"unsigned, trust required", unsigned, []ed25519.PublicKey{pub}, ErrUnsigned},
		{"missing blob", edit(func(files map[string][]byte) {
			delete(files, blobPath(descriptorOf("", sealedBytes).Digest))
		}), nil, ErrOCIMissingBlob},
		{"descriptor size wrong", manifestEdit(func(m *ociManifest) { m.Layers[0].Size++ }), nil, ErrTampered},
		{"descriptor declares a huge size", manifestEdit(func(m *ociManifest) { m.Layers[0].Size = 1 << 40 }), nil, ErrOCILimit},
		{"sha512 digest", manifestEdit(func(m *ociManifest) { m.Layers[0].Digest = "sha512:" + strings.Repeat("0", 128) }), nil, ErrOCILayout},
		{"two layers", manifestEdit(func(m *ociManifest) { m.Layers = append(m.Layers, m.Layers[0]) }), nil, ErrOCILayout},
		{"container image", manifestEdit(func(m *ociManifest) { m.Config.MediaType = "application/vnd.oci.image.config.v1+json" }), nil, ErrNotNexus},
		{"tar entry declares a huge size", edit(func(map[string][]byte) {},
			&tar.Header{Typeflag: tar.TypeReg, Name: "blobs/sha256/" + strings.Repeat("0", 64), Size: 1 << 40}), nil, ErrOCILimit},
		{"path traversal", edit(func(map[string][]byte) {},
			&tar.Header{Typeflag: tar.TypeReg, Name: "../../etc/cron.d/x", Size: 1}), nil, ErrOCILayout},
		{"path traversal inside", edit(func(map[string][]byte) {},
			&tar.Header{Typeflag: tar.TypeReg, Name: "blobs/../../x", Size: 1}), nil, ErrOCILayout},
		{"absolute path", edit(func(map[string][]byte) {},
			&tar.Header{Typeflag: tar.TypeReg, Name: "/etc/passwd", Size: 1}), nil, ErrOCILayout},
		{"symlink", edit(func(map[string][]byte) {},
			&tar.Header{Typeflag: tar.TypeSymlink, Name: "blobs/sha256/link", Linkname: "/etc/passwd"}), nil, ErrOCILayout},
		{"duplicate entry", edit(func(map[string][]byte) {},
			&tar.Header{Typeflag: tar.TypeReg, Name: "./index.json", Size: 2}), nil, ErrOCILayout},
		{"no oci-layout", edit(func(files map[string][]byte) { delete(files, "oci-layout") }), nil, ErrOCILayout},
		{"layout version", edit(func(files map[string][]byte) { files["oci-layout"] = []byte(`{"imageLayoutVersion":"2.0.0"}`) }), nil, ErrOCILayout},
		{"index not JSON", edit(func(files map[string][]byte) { files["index.json"] = []byte("{") }), nil, ErrOCILayout},
		{"empty index", edit(func(files map[string][]byte) {
			files["index.json"] = []byte(`{"schemaVersion":2,"manifests":[]}`)
		}), nil, ErrNotNexus},
		{"too many entries", func() []byte {
			var extra []*tar.Header
			for i := range MaxOCIEntries {
				extra = append(extra, &tar.Header{Typeflag: tar.TypeDir, Name: fmt.Sprintf("d%d/", i)})
			}
			return edit(func(map[string][]byte) {}, extra...)
		}(), nil, ErrOCILimit},
		{"gzip", []byte{0x1f, 0x8b, 8, 0}, nil, ErrOCILayout},
		{"empty", nil, nil, ErrOCILayout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decodeOCI(c.archive, c.trusted...)
			t.Log(err)
			if err == nil {
				t.Fatalf("imported %d images", len(got))
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}

	if _, err := DecodeOCI(bytes.NewReader(good), int64(len(good)), "other:latest"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown ref: %v", err)
	}
	if _, err := WriteOCI(&bytes.Buffer{}, img, "../x"); err == nil {
		t.Fatal("exported with an invalid reference name")
	}
}

// TestOCIForeignLayout reads a layout written as containerd writes it
// (`ctr image export`): no index mediaType, extra annotations, a Docker
// manifest.json, read-only blobs, and a container image beside ours.
func TestOCIForeignLayout(t *testing.T) {
	img, b := exportOCI(t, "hello", nil)
	files, _ := untar(t, b)
	var idx ociIndex
	json.Unmarshal(files["index.json"], &idx)
	idx.MediaType = ""
	idx.Manifests[0].Annotations["io.containerd.image.name"] = "hello:latest"
	// A container image manifest whose blobs this layout does not carry
	// (as in a shared registry directory) is skipped, not read.
	idx.Manifests = append(idx.Manifests, ociDescriptor{MediaType: MediaTypeOCIIndex, Digest: "sha256:" + strings.Repeat("1", 64), Size: 100})
	files["index.json"], _ = json.Marshal(idx)
	files["manifest.json"] = []byte(`[{"Config":"x","RepoTags":["hello:latest"],"Layers":[]}]`)
	got, err := decodeOCI(retar(t, files))
	if err != nil || len(got) != 1 || got[0].Digest != img.Digest {
		t.Fatalf("got %v, err %v", got, err)
	}
}

// FuzzDecodeOCI feeds the importer arbitrary archives: it must refuse them
// or return images that export and import again unchanged.
func FuzzDecodeOCI(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(nil)
	_, good := exportOCI(f, "hello", priv)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:1024])
	f.Add([]byte{})
	files, _ := untar(f, good)
	files["index.json"] = []byte(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:00","size":-1}]}`)
	f.Add(retar(f, files))
	f.Fuzz(func(t *testing.T, b []byte) {
		imgs, err := decodeOCI(b)
		if err != nil {
			return
		}
		for _, img := range imgs {
			var out bytes.Buffer
			if _, err := WriteOCI(&out, img.Image, ""); err != nil {
				t.Fatalf("accepted image does not export: %v", err)
			}
			again, err := decodeOCI(out.Bytes())
			if err != nil || len(again) != 1 || again[0].Digest != img.Digest || !bytes.Equal(again[0].Bytes(), img.Bytes()) {
				t.Fatalf("accepted image does not round-trip: %v", err)
			}
		}
	})
}

func ExampleWriteOCI() {
	m := Manifest{Manifest: microvm.Manifest{ABI: 1, Name: "hello", Version: "1.0", Tier: microvm.TierWasm}, Source: "wasm"}
	img, err := Seal(m, wasmbin.Hello("hi\n", 0))
	if err != nil {
		panic(err)
	}
	var archive bytes.Buffer
	if _, err := WriteOCI(&archive, img, ""); err != nil {
		panic(err)
	}
	imgs, err := DecodeOCI(bytes.NewReader(archive.Bytes()), int64(archive.Len()), "")
	if err != nil {
		panic(err)
	}
	fmt.Println(imgs[0].Ref, imgs[0].Manifest.Name, imgs[0].Digest == img.Digest)
	// Output: hello:1.0 hello true
}
