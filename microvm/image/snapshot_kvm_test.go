package image

import (
	"bytes"
	"errors"
	"testing"

	"nexusos/microvm"
	"nexusos/microvm/wasmbin"
)

// TestKVMSnapshotSealed: a tier-2 image carries a library-OS snapshot of
// any length under KVMSnapshotEntry, with files beside it; a flipped byte
// in it is tampering; the two tiers' snapshot shapes are not mixed up.
func TestKVMSnapshotSealed(t *testing.T) {
	m := Manifest{Manifest: microvm.Manifest{ABI: 1, Name: "snap2", Tier: microvm.TierKVM, Args: []string{"snap2"}}, Source: "go"}
	files, err := ArchiveDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	snap := &microvm.Snapshot{Memory: []byte("NXSNAP\x00\x01 tier-2 snapshot bytes"), Entry: KVMSnapshotEntry}
	img, err := seal(m, []byte("\x7fELF stand-in"), snap, files)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bytes()
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if p := got.Program(); p.Snapshot == nil || p.Snapshot.Entry != KVMSnapshotEntry || !bytes.Equal(p.Snapshot.Memory, snap.Memory) {
		t.Fatalf("snapshot lost in transit: %+v", got.Manifest.Preinit)
	}
	i := bytes.Index(b, []byte("tier-2 snapshot"))
	b[i] ^= 1
	if _, err := Decode(b); !errors.Is(err, ErrTampered) {
		t.Fatalf("flipped snapshot byte: %v, want ErrTampered", err)
	}
	for name, c := range map[string]struct {
		tier string
		snap *microvm.Snapshot
	}{
		"tier-1 entry in a tier-2 image": {microvm.TierKVM, &microvm.Snapshot{Memory: make([]byte, 64<<10), Entry: "nexus_main"}},
		"empty tier-2 snapshot":          {microvm.TierKVM, &microvm.Snapshot{Entry: KVMSnapshotEntry}},
		"tier-2 entry in a tier-1 image": {microvm.TierWasm, &microvm.Snapshot{Memory: make([]byte, 64<<10), Entry: KVMSnapshotEntry}},
	} {
		mm := m
		mm.Tier = c.tier
		code := []byte("\x7fELF stand-in")
		if c.tier == microvm.TierWasm {
			code = wasmbin.Hello("x", 0)
		}
		if _, err := seal(mm, code, c.snap, nil); err == nil {
			t.Errorf("%s: sealed", name)
		}
	}
}
