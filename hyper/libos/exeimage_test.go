//go:build linux && amd64

package libos

import (
	"bytes"
	"slices"
	"testing"
	"unsafe"

	"nexusos/hyper"
)

// refExePage is the page at va as loading x leaves it, built the plain
// way: a zero page with every covering segment's file bytes copied in,
// in address order.
func refExePage(x *hyper.Executable, va uint64) ([]byte, bool) {
	segs := slices.Clone(x.Segments)
	slices.SortStableFunc(segs, func(a, b hyper.Segment) int {
		switch {
		case a.VA < b.VA:
			return -1
		case a.VA > b.VA:
			return 1
		}
		return 0
	})
	var pg []byte
	for _, seg := range segs {
		if va+hyper.PageSize <= seg.VA || va >= seg.VA+seg.Size {
			continue
		}
		if pg == nil {
			pg = make([]byte, hyper.PageSize)
		}
		lo, hi := max(va, seg.FileVA), min(va+hyper.PageSize, seg.FileVA+uint64(len(seg.FileData)))
		if lo < hi {
			copy(pg[lo-va:], seg.FileData[lo-seg.FileVA:hi-seg.FileVA])
		}
	}
	return pg, pg != nil
}

// TestExeImagePages: exeImage gives every page of real executables (a Go
// and a musl one, whose segments share pages and end in bss) as the plain
// assembly does, and pages inside one segment's file bytes without a
// copy.
func TestExeImagePages(t *testing.T) {
	for _, prog := range []string{buildGo(t, "examples-kvm/hello-go"), buildMusl(t, "examples-kvm/hello-c/hello.c")} {
		elf := readFile(t, prog)
		x, err := hyper.ParseELF(elf)
		if err != nil {
			t.Fatal(err)
		}
		e := newExeImage(x)
		lo, hi := e.segs[0].VA, x.End
		var direct, built int
		for va := lo - hyper.PageSize; va <= hi; va += hyper.PageSize {
			want, wantOK := refExePage(x, va)
			got, ok := e.page(va)
			if ok != wantOK || e.covers(va) != wantOK || !bytes.Equal(got, want) {
				t.Fatalf("%s: page %#x: covered %v (covers %v), want %v; bytes equal %v", prog, va, ok, e.covers(va), wantOK, bytes.Equal(got, want))
			}
			if !ok {
				continue
			}
			p := uintptr(unsafe.Pointer(&got[0]))
			if inELF := p >= uintptr(unsafe.Pointer(&elf[0])) && p < uintptr(unsafe.Pointer(&elf[0]))+uintptr(len(elf)); inELF {
				direct++
			} else {
				built++
			}
		}
		if direct == 0 || built == 0 {
			t.Errorf("%s: %d pages straight from the file, %d assembled; want both kinds", prog, direct, built)
		}
	}
}
