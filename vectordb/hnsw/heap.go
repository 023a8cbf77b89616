package hnsw

// item is a node id with its distance to the query.
type item struct {
	d  float32
	id uint32
}

// minHeap is a binary heap of items, closest first.
type minHeap []item

func (h *minHeap) push(it item) {
	*h = append(*h, it)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].d <= it.d {
			break
		}
		s[i] = s[p]
		i = p
	}
	s[i] = it
}

func (h *minHeap) pop() item {
	s := *h
	top := s[0]
	last := s[len(s)-1]
	s = s[:len(s)-1]
	*h = s
	if len(s) == 0 {
		return top
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= len(s) {
			break
		}
		if c+1 < len(s) && s[c+1].d < s[c].d {
			c++
		}
		if last.d <= s[c].d {
			break
		}
		s[i] = s[c]
		i = c
	}
	s[i] = last
	return top
}

// maxHeap is a binary heap of items, farthest first.
type maxHeap []item

func (h *maxHeap) push(it item) {
	*h = append(*h, it)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].d >= it.d {
			break
		}
		s[i] = s[p]
		i = p
	}
	s[i] = it
}

func (h *maxHeap) pop() item {
	s := *h
	top := s[0]
	last := s[len(s)-1]
	s = s[:len(s)-1]
	*h = s
	if len(s) == 0 {
		return top
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= len(s) {
			break
		}
		if c+1 < len(s) && s[c+1].d > s[c].d {
			c++
		}
		if last.d >= s[c].d {
			break
		}
		s[i] = s[c]
		i = c
	}
	s[i] = last
	return top
}

// replaceTop replaces the farthest item with it and restores the heap
// order: a push followed by a pop, with one sift instead of two.
func (h maxHeap) replaceTop(it item) {
	i := 0
	for {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && h[c+1].d > h[c].d {
			c++
		}
		if it.d >= h[c].d {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = it
}
