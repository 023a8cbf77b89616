//go:build linux && amd64

package hyper

import (
	"bytes"
	"testing"
)

// pagesOf returns n pages, page i filled with byte i+1, split into parts
// of the given page counts (the rest in a last part).
func pagesOf(n int, split ...int) (all []byte, parts [][]byte) {
	all = make([]byte, n*PageSize)
	for i := range n {
		for j := range PageSize {
			all[i*PageSize+j] = byte(i + 1)
		}
	}
	rest := all
	for _, k := range split {
		parts, rest = append(parts, rest[:k*PageSize]), rest[k*PageSize:]
	}
	return all, append(parts, rest)
}

// TestCopyIn: the pages land one after the other from the returned
// address, on a huge-page boundary of the host mapping when they fill a
// good part of one; pages skipped to reach it are handed out later,
// still zero; the allocator's counts follow.
func TestCopyIn(t *testing.T) {
	for _, n := range []int{1, 3, hugePage / PageSize / 4, hugePage/PageSize + 17} {
		mem, err := newMemory(64 << 20)
		if err != nil {
			t.Fatal(err)
		}
		first, err := mem.AllocPage() // not on a huge-page boundary
		if err != nil {
			t.Fatal(err)
		}
		all, parts := pagesOf(n, n/3, 0, 1%n)
		usedBefore := mem.Used()
		pa, err := mem.CopyIn(parts)
		if err != nil {
			t.Fatal(err)
		}
		if got := mem.mem[pa : pa+uint64(len(all))]; !bytes.Equal(got, all) {
			t.Fatalf("%d pages: copied bytes differ", n)
		}
		huge := n*PageSize >= hugePage/4
		if aligned := (mem.hostBase()+pa)%hugePage == 0; huge && !aligned {
			t.Errorf("%d pages at %#x: not on a huge-page boundary", n, pa)
		}
		if !huge && pa != first+PageSize {
			t.Errorf("%d pages at %#x, want right after %#x", n, pa, first)
		}
		if got := mem.Used() - usedBefore; got != uint64(len(all)) {
			t.Errorf("%d pages: Used grew by %d", n, got)
		}
		// Pages skipped below the copy are reused, zero, before new ones.
		for {
			q, err := mem.AllocPage()
			if err != nil {
				t.Fatal(err)
			}
			if q >= pa && q < pa+uint64(len(all)) {
				t.Fatalf("%d pages: page %#x handed out twice", n, q)
			}
			if !bytes.Equal(mem.Page(q), make([]byte, PageSize)) {
				t.Fatalf("%d pages: page %#x not zero", n, q)
			}
			if q >= pa+uint64(len(all)) {
				break
			}
		}
		mem.close()
	}
	mem, err := newMemory(64 * PageSize)
	if err != nil {
		t.Fatal(err)
	}
	defer mem.close()
	_, parts := pagesOf(64)
	if _, err := mem.CopyIn(parts); err != ErrNoMemory {
		t.Errorf("more pages than memory: %v, want ErrNoMemory", err)
	}
	if _, err := mem.CopyIn([][]byte{make([]byte, 100)}); err == nil {
		t.Error("copied in a partial page")
	}
}

// TestSharedPagesOf: the memfd holds the parts one after the other, as a
// machine that maps it sees them.
func TestSharedPagesOf(t *testing.T) {
	all, parts := pagesOf(maxIOV+5, 2, 0, maxIOV-1)
	s, err := NewSharedPagesOf(parts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Size() != uint64(len(all)) {
		t.Fatalf("size %d, want %d", s.Size(), len(all))
	}
	mem, err := newMemory(16 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer mem.close()
	pa, err := mem.MapShared(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mem.mem[pa:pa+s.Size()], all) {
		t.Fatal("mapped pages differ from the parts")
	}
	if _, err := NewSharedPagesOf([][]byte{make([]byte, PageSize+1)}); err == nil {
		t.Error("shared a partial page")
	}
}

// TestSpare: a spare's machine is handed out once, ready; later Gets
// build their own.
func TestSpare(t *testing.T) {
	needKVM(t)
	p := NewSpare(16 << 20)
	defer p.Close()
	var ms []*Machine
	for range 2 {
		m, c, err := p.Get()
		if err != nil {
			t.Fatal(err)
		}
		if c == nil || m.Mem.Size() != 16<<20 {
			t.Fatalf("machine of %d bytes, vCPU %v", m.Mem.Size(), c)
		}
		ms = append(ms, m)
	}
	if ms[0] == ms[1] {
		t.Fatal("one machine handed out twice")
	}
	for _, m := range ms {
		m.Close()
	}
	// An untaken spare is released by Close.
	q := NewSpare(16 << 20)
	q.Close()
	m, _, err := q.Get()
	if err != nil {
		t.Fatalf("Get after Close: %v", err)
	}
	m.Close()
}

// TestSharedPagesEmpty: empty parts are skipped, and no parts make an
// empty memfd.
func TestSharedPagesEmpty(t *testing.T) {
	_, parts := pagesOf(3)
	s, err := NewSharedPagesOf([][]byte{nil, parts[0], {}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Size() != 3*PageSize {
		t.Errorf("with empty parts: size %d", s.Size())
	}
	s.Close()
	if s, err = NewSharedPages(nil); err != nil {
		t.Fatalf("no pages: %v", err)
	}
	if s.Size() != 0 {
		t.Errorf("no pages: size %d", s.Size())
	}
	s.Close()
}
