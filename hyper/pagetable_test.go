//go:build linux && amd64

package hyper

import (
	"bytes"
	"errors"
	"testing"
)

// newTestAS builds an address space over plain memory: no KVM needed.
func newTestAS(t *testing.T) *AddressSpace {
	t.Helper()
	mem, err := newMemory(4 << 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mem.close)
	as, err := newAddressSpace(mem)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func mapNew(t *testing.T, as *AddressSpace, va uint64, prot Prot, user bool) uint64 {
	t.Helper()
	pa, err := as.mem.AllocPage()
	if err != nil {
		t.Fatal(err)
	}
	if err := as.MapPage(va, pa, prot, user); err != nil {
		t.Fatal(err)
	}
	return pa
}

func TestPageTableAccess(t *testing.T) {
	as := newTestAS(t)
	const rw, ro, none, sys = 0x10000, 0x11000, 0x12000, 0x13000
	mapNew(t, as, rw, ProtRead|ProtWrite, true)
	mapNew(t, as, ro, ProtRead, true)
	mapNew(t, as, none, ProtNone, true)
	mapNew(t, as, sys, ProtRead|ProtWrite, false)

	// A copy spanning two pages lands in both.
	msg := []byte("across the page boundary")
	if err := as.CopyOut(rw+PageSize-5, msg[:5]); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 5)
	if err := as.CopyIn(rw+PageSize-5, got); err != nil || !bytes.Equal(got, msg[:5]) {
		t.Fatalf("CopyIn = %q, %v", got, err)
	}
	for _, tc := range []struct {
		name  string
		va    uint64
		write bool
		ok    bool
	}{
		{"read rw", rw, false, true},
		{"write rw", rw, true, true},
		{"read ro", ro, false, true},
		{"write ro", ro, true, false},
		{"read PROT_NONE", none, false, false},
		{"read supervisor page", sys, false, false},
		{"write supervisor page", sys, true, false},
		{"unmapped", 0x20000, false, false},
		{"below UserMin", 0x1000, false, false},
		{"monitor half", stubVA, false, false},
		{"non-canonical", 0x0000_9000_0000_0000, false, false},
		{"crossing into ro", ro - 2, true, false},
	} {
		var err error
		b := make([]byte, 4)
		if tc.write {
			err = as.CopyOut(tc.va, b)
		} else {
			err = as.CopyIn(tc.va, b)
		}
		if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrFault) {
			t.Errorf("%s at %#x: err %v, want ok=%v", tc.name, tc.va, err, tc.ok)
		}
	}

	// PROT_NONE keeps the page (and its contents) and restores it.
	if !as.ProtectPage(none, ProtRead) {
		t.Fatal("ProtectPage lost the page")
	}
	if err := as.CopyIn(none, make([]byte, 1)); err != nil {
		t.Fatalf("after PROT_NONE -> PROT_READ: %v", err)
	}
	if err := as.MapPage(rw, 0x5000, ProtRead, true); err == nil {
		t.Fatal("MapPage over a present page succeeded")
	}
	if err := as.MapPage(rw+1, 0x5000, ProtRead, true); err == nil {
		t.Fatal("unaligned MapPage succeeded")
	}
}

func TestReadStringAndPoke(t *testing.T) {
	as := newTestAS(t)
	const va = 0x40000
	mapNew(t, as, va, ProtRead, true)
	mapNew(t, as, va+PageSize, ProtRead, true)
	s := bytes.Repeat([]byte("x"), PageSize+10)
	if err := as.Poke(va, append(s, 0)); err != nil {
		t.Fatal(err)
	}
	got, err := as.ReadString(va, 2*PageSize)
	if err != nil || got != string(s) {
		t.Fatalf("ReadString: %d bytes, %v", len(got), err)
	}
	if _, err := as.ReadString(va, 100); err == nil {
		t.Fatal("ReadString ignored its limit")
	}
	if err := as.Poke(va+2*PageSize-1, []byte("ab")); err == nil {
		t.Fatal("Poke past the mapping succeeded")
	}
}

func TestForEachPresentSparse(t *testing.T) {
	as := newTestAS(t)
	vas := []uint64{0x10000, 0x7f00_0000_0000, 0x7fff_ffff_f000, 0x4000_0000}
	for _, va := range vas {
		mapNew(t, as, va, ProtRead, true)
	}
	var seen []uint64
	as.ForEachPresent(0, UserMax, func(va, pa uint64) { seen = append(seen, va) })
	want := []uint64{0x10000, 0x4000_0000, 0x7f00_0000_0000, 0x7fff_ffff_f000}
	if len(seen) != len(want) {
		t.Fatalf("ForEachPresent saw %#x, want %#x", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("ForEachPresent saw %#x, want %#x", seen, want)
		}
	}
	seen = nil
	as.ForEachPresent(0x4000_0000, 0x4000_1000, func(va, pa uint64) { seen = append(seen, va) })
	if len(seen) != 1 {
		t.Fatalf("sub-range saw %#x", seen)
	}
}

func TestMemoryAllocator(t *testing.T) {
	mem, err := newMemory(64 * PageSize)
	if err != nil {
		t.Fatal(err)
	}
	defer mem.close()
	var pages []uint64
	for {
		pa, err := mem.AllocPage()
		if errors.Is(err, ErrNoMemory) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		mem.Page(pa)[0] = 0xaa
		pages = append(pages, pa)
	}
	if len(pages) != 63 { // page 0 is never handed out
		t.Fatalf("%d pages allocated from 64", len(pages))
	}
	mem.FreePage(pages[10])
	pa, err := mem.AllocPage()
	if err != nil || pa != pages[10] || mem.Page(pa)[0] != 0 {
		t.Fatalf("reused page %#x (want %#x) holds %#x, err %v", pa, pages[10], mem.Page(pa)[0], err)
	}
	if mem.Page(mem.Size()) != nil {
		t.Fatal("Page past the end is not nil")
	}
}

func TestMapPages(t *testing.T) {
	as := newTestAS(t)
	// 600 pages crossing a page-table boundary (512 entries per table).
	const va = 0x40_0000 - 50*PageSize
	pas, err := as.mem.AllocPages(600)
	if err != nil {
		t.Fatal(err)
	}
	if err := as.MapPages(va, pas, ProtRead, true); err != nil {
		t.Fatal(err)
	}
	for k, want := range pas {
		pa, prot, user, ok := as.Lookup(va + uint64(k)*PageSize)
		if !ok || pa != want || prot&ProtWrite != 0 || !user {
			t.Fatalf("page %d: %#x %v %v %v, want %#x", k, pa, prot, user, ok, want)
		}
	}
	if err := as.MapPages(va+599*PageSize, pas[:1], ProtRead, true); err == nil {
		t.Fatal("MapPages over a mapped page succeeded")
	}
	if _, err := as.mem.AllocPages(1 << 20); !errors.Is(err, ErrNoMemory) {
		t.Fatalf("AllocPages beyond memory: %v", err)
	}
}
