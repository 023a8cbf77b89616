package tokenizer

import (
	"container/heap"
	"unicode/utf8"
)

// GPT-2's byte-level alphabet: printable bytes map to themselves, the others
// to U+0100 onwards, in byte order.
var byteToRune, runeToByte = func() (b2r [256]rune, r2b map[rune]byte) {
	r2b = make(map[rune]byte, 256)
	n := rune(0)
	for b := range 256 {
		printable := (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
		if printable {
			b2r[b] = rune(b)
		} else {
			b2r[b] = 256 + n
			n++
		}
		r2b[b2r[b]] = byte(b)
	}
	return b2r, r2b
}()

func mapBytes(s string) string {
	buf := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		buf = utf8.AppendRune(buf, byteToRune[s[i]])
	}
	return string(buf)
}

func unmapBytes(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if b, ok := runeToByte[r]; ok {
			out = append(out, b)
		} else {
			out = utf8.AppendRune(out, r)
		}
	}
	return out
}

type bpeSym struct {
	text       string
	prev, next int
}

type bpePair struct {
	left, right int
	rank        int32
	text        string
}

type pairQueue []bpePair

func (q pairQueue) Len() int { return len(q) }
func (q pairQueue) Less(i, j int) bool {
	if q[i].rank != q[j].rank {
		return q[i].rank < q[j].rank
	}
	return q[i].left < q[j].left
}
func (q pairQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *pairQueue) Push(x any)   { *q = append(*q, x.(bpePair)) }
func (q *pairQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// bpe appends the tokens of one pre-token (raw bytes) to out.
func (t *Tokenizer) bpe(piece string, out []int32) []int32 {
	word := mapBytes(piece)
	if t.ignMrg {
		if id, ok := t.ids[word]; ok {
			return append(out, id)
		}
	}
	syms := make([]bpeSym, 0, len(piece))
	for i, r := range word {
		w := utf8.RuneLen(r)
		syms = append(syms, bpeSym{text: word[i : i+w], prev: len(syms) - 1, next: len(syms) + 1})
	}
	if len(syms) == 0 {
		return out
	}
	syms[len(syms)-1].next = -1
	var q pairQueue
	add := func(l, r int) {
		if l < 0 || r < 0 {
			return
		}
		text := syms[l].text + syms[r].text
		rank, ok := t.merges[syms[l].text+" "+syms[r].text]
		if !ok {
			return
		}
		heap.Push(&q, bpePair{left: l, right: r, rank: rank, text: text})
	}
	for i := 1; i < len(syms); i++ {
		add(i-1, i)
	}
	for q.Len() > 0 {
		p := heap.Pop(&q).(bpePair)
		l, r := &syms[p.left], &syms[p.right]
		if l.text == "" || r.text == "" || l.next != p.right || l.text+r.text != p.text {
			continue // stale
		}
		l.text = p.text
		r.text = ""
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = p.left
		}
		add(l.prev, p.left)
		add(p.left, l.next)
	}
	for i := 0; i >= 0; i = syms[i].next {
		s := syms[i].text
		if id, ok := t.ids[s]; ok {
			out = append(out, id)
			continue
		}
		for _, r := range s { // fall back to single byte-characters
			if id, ok := t.ids[string(r)]; ok {
				out = append(out, id)
			} else if t.unk >= 0 {
				out = append(out, t.unk)
			}
		}
	}
	return out
}
