package image

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"nexusos/microvm"
)

// fakeELF stands in for an executable: sealing does not load it.
var fakeELF = []byte("\x7fELF\x02\x01\x01 static executable stand-in")

func treeDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "etc", "app"), 0o755)
	os.MkdirAll(filepath.Join(dir, "empty"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc", "motd"), []byte("hello from the image\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "etc", "app", "config.json"), []byte(`{"answer": 42}`), 0o600)
	os.WriteFile(filepath.Join(dir, "data.bin"), bytes.Repeat([]byte{1, 2, 3}, 10000), 0o644)
	return dir
}

func kvmManifest(name string) Manifest {
	return Manifest{Manifest: microvm.Manifest{ABI: 1, Name: name, Tier: microvm.TierKVM, Args: []string{name}}, Source: "elf"}
}

func TestArchiveDir(t *testing.T) {
	dir := treeDir(t)
	a, err := ArchiveDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := ArchiveDir(dir)
	if !bytes.Equal(a, again) {
		t.Fatal("the same tree sealed twice gave different bytes")
	}
	fsys, err := OpenFiles(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(fsys, "etc/motd", "etc/app/config.json", "data.bin", "empty"); err != nil {
		t.Fatal(err)
	}
	f, err := fsys.Open("data.bin")
	if err != nil {
		t.Fatal(err)
	}
	ra, ok := f.(io.ReaderAt)
	if !ok {
		t.Fatal("stored files do not implement io.ReaderAt")
	}
	b := make([]byte, 3)
	if _, err := ra.ReadAt(b, 29997); err != nil || !bytes.Equal(b, []byte{1, 2, 3}) {
		t.Fatalf("ReadAt = %v %v", b, err)
	}
	if info, _ := fs.Stat(fsys, "etc/app/config.json"); info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", info.Mode())
	}

	// Symbolic links are refused, not followed out of the tree.
	os.Symlink("/etc/passwd", filepath.Join(dir, "passwd"))
	if _, err := ArchiveDir(dir); err == nil || !strings.Contains(err.Error(), "passwd") {
		t.Fatalf("ArchiveDir with a symlink: %v", err)
	}
}

// TestOpenFilesHostile feeds archives the builder never writes.
func TestOpenFilesHostile(t *testing.T) {
	mk := func(name string, method uint16) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(bytes.Repeat([]byte("z"), 1000))
		zw.Close()
		return buf.Bytes()
	}
	for _, c := range []struct {
		name    string
		archive []byte
	}{
		{"deflated", mk("a.txt", zip.Deflate)},
		{"dot-dot", mk("../escape", zip.Store)},
		{"absolute", mk("/etc/passwd", zip.Store)},
		{"backslash", mk(`a\..\..\b`, zip.Store)},
		{"garbage", []byte("PK\x03\x04 not really")},
	} {
		if _, err := OpenFiles(c.archive); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: OpenFiles = %v, want ErrFormat", c.name, err)
		}
	}
}

func TestSealFiles(t *testing.T) {
	files, err := ArchiveDir(treeDir(t))
	if err != nil {
		t.Fatal(err)
	}
	img, err := SealFiles(kvmManifest("app"), fakeELF, files)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bytes()
	if v := binary.LittleEndian.Uint32(b[8:]); v != 2 {
		t.Fatalf("format version %d, want 2 with files", v)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != img.Digest || !bytes.Equal(got.Files, files) || got.Manifest.Files == nil {
		t.Fatalf("round trip lost the files: %+v", got.Manifest)
	}
	fsys, err := got.FilesFS()
	if err != nil {
		t.Fatal(err)
	}
	if motd, err := fs.ReadFile(fsys, "etc/motd"); err != nil || string(motd) != "hello from the image\n" {
		t.Fatalf("etc/motd = %q, %v", motd, err)
	}

	// A flipped byte in the files is caught.
	i := bytes.Index(b, []byte("hello from the image"))
	bad := bytes.Clone(b)
	bad[i] = 'J'
	if _, err := Decode(bad); !errors.Is(err, ErrTampered) {
		t.Fatalf("tampered files: %v", err)
	}
	// Rewriting the header as version 1 drops the files section, which
	// the manifest still names.
	v1 := bytes.Clone(b)
	binary.LittleEndian.PutUint32(v1[8:], 1)
	if _, err := Decode(v1); err == nil {
		t.Fatal("decoded a version 2 image relabelled as version 1")
	}
	// An image without files is written as version 1, as before.
	old, err := SealFiles(kvmManifest("app"), fakeELF, nil)
	if err != nil {
		t.Fatal(err)
	}
	ob := old.Bytes()
	if v := binary.LittleEndian.Uint32(ob[8:]); v != 1 || old.Manifest.Files != nil {
		t.Fatalf("an image without files is written as version %d", v)
	}
	if _, err := Decode(ob); err != nil {
		t.Fatalf("version 1 image: %v", err)
	}
	// Sealed files are for tier 2 only.
	if _, err := SealFiles(testManifest("w"), fakeELF, files); err == nil {
		t.Fatal("sealed files into a tier wasm image")
	}
}

// archiveOf seals an in-memory tree (name -> content).
func archiveOf(tree map[string]string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "nexus-files-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for name, data := range tree {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return nil, err
		}
	}
	return ArchiveDir(dir)
}

// FuzzOpenFiles: whatever OpenFiles accepts can be walked, and each file
// reads back exactly its stated size.
func FuzzOpenFiles(f *testing.F) {
	if a, err := archiveOf(map[string]string{"etc/motd": "hi\n", "a/b/c": "xyz"}); err == nil {
		f.Add(a)
	}
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, b []byte) {
		fsys, err := OpenFiles(b)
		if err != nil {
			return
		}
		err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return nil
			}
			data, err := fs.ReadFile(fsys, p)
			if err == nil && int64(len(data)) != info.Size() {
				t.Fatalf("%s: read %d bytes, stat says %d", p, len(data), info.Size())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
