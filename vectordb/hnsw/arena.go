package hnsw

// arenaBytes is the size of the blocks that the chunks of a large store
// are carved from.
const arenaBytes = 8 << 20

// arenaAfter is the number of chunks a store allocates one by one before
// it switches to arena blocks, so small stores stay small.
const arenaAfter = 8

// arena hands out chunks carved from large blocks whose 2 MiB-aligned
// interior is advised to use transparent huge pages (where the system
// allows it; see adviseHuge). A graph search touches vectors and link
// lists at random; with 4 KiB pages nearly every touch is a TLB miss, with
// 2 MiB pages a few hundred entries cover a million vectors.
//
// An arena is not safe for concurrent use; its owner serialises calls.
type arena[T any] struct {
	buf []T
}

// alloc returns a zeroed slice of n elements of elemSize bytes each.
func (a *arena[T]) alloc(n, elemSize int) []T {
	if n*elemSize > arenaBytes/4 {
		c := make([]T, n)
		adviseHuge(c)
		return c
	}
	if len(a.buf) < n {
		a.buf = make([]T, arenaBytes/elemSize)
		adviseHuge(a.buf)
	}
	c := a.buf[:n:n]
	a.buf = a.buf[n:]
	return c
}
