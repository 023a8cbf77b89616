package tokenizer

import "container/heap"

// spmSpace is SentencePiece's visible space, U+2581.
const spmSpace = "\u2581"

type spmPair struct {
	left, right int
	score       float32
	size        int
}

type spmQueue []spmPair

func (q spmQueue) Len() int { return len(q) }
func (q spmQueue) Less(i, j int) bool {
	if q[i].score != q[j].score {
		return q[i].score > q[j].score
	}
	return q[i].left < q[j].left
}
func (q spmQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *spmQueue) Push(x any)   { *q = append(*q, x.(spmPair)) }
func (q *spmQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

type spmSym struct {
	start, n   int // byte range in the text
	prev, next int
}

// spm appends the SentencePiece tokens of text (spaces already escaped).
func (t *Tokenizer) spm(text string, out []int32) []int32 {
	if text == "" {
		return out
	}
	var syms []spmSym
	for i := 0; i < len(text); {
		n := utf8SeqLen(text[i])
		if i+n > len(text) {
			n = len(text) - i
		}
		syms = append(syms, spmSym{start: i, n: n, prev: len(syms) - 1, next: len(syms) + 1})
		i += n
	}
	syms[len(syms)-1].next = -1
	var q spmQueue
	add := func(l, r int) {
		if l < 0 || r < 0 {
			return
		}
		s := text[syms[l].start : syms[r].start+syms[r].n]
		id, ok := t.ids[s]
		if !ok {
			return
		}
		heap.Push(&q, spmPair{left: l, right: r, score: t.scores[id], size: len(s)})
	}
	for i := 1; i < len(syms); i++ {
		add(i-1, i)
	}
	for q.Len() > 0 {
		p := heap.Pop(&q).(spmPair)
		l, r := &syms[p.left], &syms[p.right]
		if l.n == 0 || r.n == 0 || l.n+r.n != p.size || l.next != p.right {
			continue
		}
		l.n += r.n
		r.n = 0
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = p.left
		}
		add(l.prev, p.left)
		add(p.left, l.next)
	}
	for i := 0; i >= 0; i = syms[i].next {
		s := text[syms[i].start : syms[i].start+syms[i].n]
		if id, ok := t.ids[s]; ok {
			out = append(out, id)
			continue
		}
		for j := 0; j < len(s); j++ {
			if id := t.byteTok[s[j]]; id >= 0 {
				out = append(out, id)
			} else if t.unk >= 0 {
				out = append(out, t.unk)
			}
		}
	}
	return out
}

// utf8SeqLen is the length a UTF-8 lead byte announces, judged by its top
// four bits as llama.cpp does (continuation bytes count as 1).
func utf8SeqLen(b byte) int {
	return [16]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4}[b>>4]
}
