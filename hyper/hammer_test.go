//go:build linux && amd64

package hyper

import (
	"sync"
	"testing"
)

// TestHammerAddressSpace maps, reads back and unmaps pages from several
// goroutines at once (as vCPUs serving system calls do), then checks the
// allocator got every page back.
func TestHammerAddressSpace(t *testing.T) {
	needKVM(t)
	m, err := New(64 << 20)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	before := m.Mem.Used()
	// Pre-build the tables so the page-table pages are not counted below.
	const workers, pages, rounds = 8, 64, 20
	for w := 0; w < workers; w++ {
		pa, _ := m.Mem.AllocPage()
		base := uint64(0x1000_0000 + w*0x100_0000)
		m.AS.MapPage(base, pa, ProtRead, true)
		p, _ := m.AS.UnmapPage(base)
		m.Mem.FreePage(p)
	}
	tables := m.Mem.Used() - before
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := uint64(0x1000_0000 + w*0x100_0000)
			for r := 0; r < rounds; r++ {
				for i := uint64(0); i < pages; i++ {
					pa, err := m.Mem.AllocPage()
					if err != nil {
						t.Error(err)
						return
					}
					if err := m.AS.MapPage(base+i*PageSize, pa, ProtRead|ProtWrite, true); err != nil {
						t.Error(err)
						return
					}
					if err := m.AS.CopyOut(base+i*PageSize+8, []byte{byte(w), byte(r)}); err != nil {
						t.Error(err)
						return
					}
				}
				n := 0
				m.AS.ForEachPresent(base, base+pages*PageSize, func(va, pa uint64) {
					if m.Mem.Page(pa)[8] != byte(w) || m.Mem.Page(pa)[9] != byte(r) {
						t.Errorf("worker %d round %d: page %#x holds another's data", w, r, va)
					}
					n++
				})
				if n != pages {
					t.Errorf("worker %d: %d pages present, want %d", w, n, pages)
				}
				for i := uint64(0); i < pages; i++ {
					pa, ok := m.AS.UnmapPage(base + i*PageSize)
					if !ok {
						t.Errorf("worker %d: page %d vanished", w, i)
						return
					}
					m.Mem.FreePage(pa)
				}
			}
		}()
	}
	wg.Wait()
	if got := m.Mem.Used() - before; got != tables {
		t.Fatalf("%d bytes still allocated after the hammer, want %d (page tables)", got, tables)
	}
}
