package bitnet

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// CopyToHugePages copies the weights read for every generated token (the
// linear layers and the output table) into one private anonymous region
// backed by transparent huge pages, and points the model at the copy; it
// returns the bytes copied. Call it before NewSession.
//
// A file mapping uses 2 MiB pages only where the page cache holds the file
// in 2 MiB folios, which depends on how the file was read or written and
// on memory pressure since (on this machine's 6.18 kernel, 35-97% of a
// model's mapping, decreasing over time); the copy does not depend on it.
// It costs the copy's size in resident memory on top of the page cache (the
// caller may evict the mapped pages: gguf.File.Evict) and a second or two
// at load. The copy is never freed: use it for models that live as long as
// the process.
func (m *Model) CopyToHugePages() (int64, error) {
	const align = 64
	var parts []*[]byte
	for i := range m.layers {
		l := &m.layers[i]
		for _, x := range []*linear{&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down} {
			parts = append(parts, &x.w)
		}
	}
	tied := len(m.embd.data) > 0 && len(m.output.data) > 0 && unsafe.SliceData(m.embd.data) == unsafe.SliceData(m.output.data)
	if m.outQ8 == nil {
		parts = append(parts, &m.output.data)
	}
	var total int
	for _, p := range parts {
		total += (len(*p) + align - 1) &^ (align - 1)
	}
	if total == 0 {
		return 0, nil
	}
	buf, err := unix.Mmap(-1, 0, total, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return 0, fmt.Errorf("bitnet: weight copy: %w", err)
	}
	_ = unix.Madvise(buf, unix.MADV_HUGEPAGE) // best effort
	o := 0
	for _, p := range parts {
		n := len(*p)
		copy(buf[o:o+n], *p)
		*p = buf[o : o+n : o+n]
		o += (n + align - 1) &^ (align - 1)
	}
	if tied && m.outQ8 == nil {
		m.embd.data = m.output.data
	}
	return int64(total), nil
}
