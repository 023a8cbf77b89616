package vectordb

import (
	"math/bits"
	"slices"
)

// Slots are the dense internal ids of a collection's points: every point
// holds one (point.slot) from its first upsert to its deletion, when the
// slot is freed for reuse. Payload index postings are sets of slots, a
// filter's indexed conditions evaluate to a bitmap over slots, and each
// dense vector index maps its own internal ids to slots, so a filtered
// graph search tests a bit instead of looking a point up. Slots are not
// persisted: they are handed out again when a collection is loaded.

// bitmap is a dense set of slots, one bit each.
type bitmap []uint64

func newBitmap(n int) bitmap { return make(bitmap, (n+63)/64) }

func (b bitmap) has(s uint32) bool {
	w := int(s >> 6)
	return w < len(b) && b[w]&(1<<(s&63)) != 0
}

// set adds s, which must be below 64 × len(b).
func (b bitmap) set(s uint32) { b[s>>6] |= 1 << (s & 63) }

func (b bitmap) clear(s uint32) {
	if w := int(s >> 6); w < len(b) {
		b[w] &^= 1 << (s & 63)
	}
}

func (b bitmap) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// and keeps the slots also in o.
func (b bitmap) and(o bitmap) {
	for i := range b {
		if i < len(o) {
			b[i] &= o[i]
		} else {
			b[i] = 0
		}
	}
}

// or adds the slots of o (which must not be longer than b).
func (b bitmap) or(o bitmap) {
	for i, w := range o {
		b[i] |= w
	}
}

// andNot removes the slots of o.
func (b bitmap) andNot(o bitmap) {
	for i := range min(len(b), len(o)) {
		b[i] &^= o[i]
	}
}

// each calls fn with every slot in ascending order until fn returns false.
func (b bitmap) each(fn func(uint32) bool) {
	for i, w := range b {
		for w != 0 {
			if !fn(uint32(i<<6 | bits.TrailingZeros64(w))) {
				return
			}
			w &= w - 1
		}
	}
}

// slotSet is a compressed set of slots, a small roaring bitmap: slots are
// grouped by their upper 16 bits into containers, each a sorted array of
// lower halves while it holds at most arrayMax of them, else a bitmap of
// 2^16 bits. Adds and removes cost at most a container's size; an OR
// into a bitmap costs the set's size.
type slotSet struct {
	n     int
	keys  []uint16 // upper halves, ascending
	conts []*container
}

// container holds the lower halves of one key's slots: arr (sorted) or,
// past arrayMax members, bits.
type container struct {
	arr  []uint16
	bits bitmap // 1024 words, or nil
	n    int
}

const arrayMax = 4096

// len returns the number of slots in s (0 for a nil set).
func (s *slotSet) len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// each calls fn with every slot in ascending order until fn returns false.
func (s *slotSet) each(fn func(uint32) bool) {
	for i, c := range s.conts {
		base := uint32(s.keys[i]) << 16
		if c.bits != nil {
			done := false
			c.bits.each(func(lo uint32) bool {
				done = !fn(base | lo)
				return !done
			})
			if done {
				return
			}
			continue
		}
		for _, lo := range c.arr {
			if !fn(base | uint32(lo)) {
				return
			}
		}
	}
}

func (s *slotSet) add(slot uint32) {
	hi, lo := uint16(slot>>16), uint16(slot)
	i, found := slices.BinarySearch(s.keys, hi)
	if !found {
		s.keys = slices.Insert(s.keys, i, hi)
		s.conts = slices.Insert(s.conts, i, &container{})
	}
	if s.conts[i].add(lo) {
		s.n++
	}
}

func (s *slotSet) remove(slot uint32) {
	hi, lo := uint16(slot>>16), uint16(slot)
	i, found := slices.BinarySearch(s.keys, hi)
	if !found || !s.conts[i].remove(lo) {
		return
	}
	s.n--
	if s.conts[i].n == 0 {
		s.keys = slices.Delete(s.keys, i, i+1)
		s.conts = slices.Delete(s.conts, i, i+1)
	}
}

// orInto adds the set's slots to b, which must cover them.
func (s *slotSet) orInto(b bitmap) {
	for i, c := range s.conts {
		base := uint32(s.keys[i]) << 16
		if c.bits != nil {
			// The container may reach past b, where it holds no slots.
			if w := int(base >> 6); w < len(b) {
				b[w:].or(c.bits[:min(len(c.bits), len(b)-w)])
			}
			continue
		}
		for _, lo := range c.arr {
			b.set(base | uint32(lo))
		}
	}
}

// add reports whether lo was added (it was not there).
func (c *container) add(lo uint16) bool {
	if c.bits != nil {
		if c.bits.has(uint32(lo)) {
			return false
		}
		c.bits.set(uint32(lo))
		c.n++
		return true
	}
	i, found := slices.BinarySearch(c.arr, lo)
	if found {
		return false
	}
	c.arr = slices.Insert(c.arr, i, lo)
	c.n++
	if c.n > arrayMax {
		c.bits = newBitmap(1 << 16)
		for _, x := range c.arr {
			c.bits.set(uint32(x))
		}
		c.arr = nil
	}
	return true
}

// remove reports whether lo was removed (it was there).
func (c *container) remove(lo uint16) bool {
	if c.bits != nil {
		if !c.bits.has(uint32(lo)) {
			return false
		}
		c.bits.clear(uint32(lo))
		c.n--
		if c.n < arrayMax/2 { // hysteresis: no flapping at the border
			c.arr = make([]uint16, 0, c.n)
			c.bits.each(func(x uint32) bool { c.arr = append(c.arr, uint16(x)); return true })
			c.bits = nil
		}
		return true
	}
	i, found := slices.BinarySearch(c.arr, lo)
	if !found {
		return false
	}
	c.arr = slices.Delete(c.arr, i, i+1)
	c.n--
	return true
}
