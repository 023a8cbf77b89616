//go:build linux && amd64

package libos

import (
	"reflect"
	"testing"

	"nexusos/hyper"
)

func vmas(mm *memoryManager) [][2]uint64 {
	var out [][2]uint64
	for _, v := range mm.vmas {
		out = append(out, [2]uint64{v.start, v.end})
	}
	return out
}

// TestCarve checks mapping bookkeeping without a VM: carving splits,
// trims and removes mappings exactly.
func TestCarve(t *testing.T) {

	for _, tc := range []struct {
		name       string
		start, end uint64
		want       [][2]uint64
	}{
		{"middle splits", 0x12000, 0x13000, [][2]uint64{{0x10000, 0x12000}, {0x13000, 0x20000}, {0x30000, 0x40000}}},
		{"head trims", 0x10000, 0x11000, [][2]uint64{{0x11000, 0x20000}, {0x30000, 0x40000}}},
		{"tail trims", 0x1f000, 0x20000, [][2]uint64{{0x10000, 0x1f000}, {0x30000, 0x40000}}},
		{"spanning removes", 0x8000, 0x38000, [][2]uint64{{0x38000, 0x40000}}},
		{"gap is a no-op", 0x20000, 0x30000, [][2]uint64{{0x10000, 0x20000}, {0x30000, 0x40000}}},
		{"everything", 0, 1 << 47, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mm := &memoryManager{}
			mm.insert(vma{start: 0x30000, end: 0x40000})
			mm.insert(vma{start: 0x10000, end: 0x20000})
			mm.carve(tc.start, tc.end)
			if got := vmas(mm); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("after carving [%#x, %#x): %#x, want %#x", tc.start, tc.end, got, tc.want)
			}
		})
	}
}

func TestFindFree(t *testing.T) {
	mm := &memoryManager{}
	if a, ok := mm.findFree(1 << 20); !ok || a != mmapTop-1<<20 {
		t.Fatalf("empty space: %#x %v", a, ok)
	}
	mm.insert(vma{start: mmapTop - 0x2000, end: mmapTop + 0x1000})
	mm.insert(vma{start: mmapTop - 0x5000, end: mmapTop - 0x4000})
	// The 0x2000 gap between the two mappings fits 0x2000 bytes.
	if a, ok := mm.findFree(0x2000); !ok || a != mmapTop-0x4000 {
		t.Fatalf("gap: %#x %v", a, ok)
	}
	if a, ok := mm.findFree(0x3000); !ok || a != mmapTop-0x8000 {
		t.Fatalf("below both: %#x %v", a, ok)
	}
	if _, ok := mm.findFree(1 << 47); ok {
		t.Fatal("found room for 2^47 bytes")
	}
	if !mm.overlaps(mmapTop-0x4800, mmapTop-0x4000) || mm.overlaps(mmapTop-0x4000, mmapTop-0x2000) {
		t.Fatal("overlaps is wrong")
	}
	if i := mm.find(mmapTop - 0x4001); i != 0 {
		t.Fatalf("find = %d", i)
	}
	if i := mm.find(mmapTop - 0x3000); i != -1 {
		t.Fatalf("find in a gap = %d", i)
	}
}

func TestToProt(t *testing.T) {
	for in, want := range map[int]hyper.Prot{
		0: hyper.ProtNone, 1: hyper.ProtRead, 2: hyper.ProtRead | hyper.ProtWrite,
		4: hyper.ProtRead | hyper.ProtExec, 7: hyper.ProtRead | hyper.ProtWrite | hyper.ProtExec,
	} {
		if got, ok := toProt(in); !ok || got != want {
			t.Errorf("toProt(%d) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if _, ok := toProt(8); ok {
		t.Error("toProt accepted an unknown bit")
	}
}
