package cortex

import (
	"bytes"
	"unicode/utf8"
)

// stopper accumulates generated text, finds stop sequences and decides how
// much of the text is safe to send: it holds back a tail that could be the
// start of a stop sequence, and an incomplete UTF-8 sequence (tokens may
// end inside a character). It is not safe for concurrent use.
type stopper struct {
	stops   []string
	maxStop int
	buf     []byte // generated text, cut at the stop sequence once found
	sent    int    // bytes of buf handed out
	stopped bool
}

// newStopper returns a stopper for stops; empty strings are ignored.
func newStopper(stops []string) *stopper {
	s := &stopper{}
	for _, st := range stops {
		if st != "" {
			s.stops = append(s.stops, st)
			s.maxStop = max(s.maxStop, len(st))
		}
	}
	return s
}

// push appends a token's text. It returns the text that may now be sent and
// whether a stop sequence ended the generation (the stop sequence itself is
// never part of the text).
func (s *stopper) push(piece string) (string, bool) {
	if s.stopped {
		return "", true
	}
	// Earlier calls found no complete stop sequence, so a new one ends in
	// piece and starts at most maxStop-1 bytes before it.
	from := max(0, len(s.buf)-s.maxStop+1)
	s.buf = append(s.buf, piece...)
	cut := -1
	for _, st := range s.stops {
		if i := bytes.Index(s.buf[from:], []byte(st)); i >= 0 && (cut < 0 || from+i < cut) {
			cut = from + i
		}
	}
	if cut >= 0 {
		s.buf = s.buf[:cut]
		s.stopped = true
		out := string(s.buf[s.sent:])
		s.sent = cut
		return out, true
	}
	limit := len(s.buf) - s.heldPrefix()
	// Do not end inside a UTF-8 sequence that may still be completed.
	for i := limit - 1; i >= s.sent && i >= limit-utf8.UTFMax+1; i-- {
		if utf8.RuneStart(s.buf[i]) {
			if !utf8.FullRune(s.buf[i:limit]) {
				limit = i
			}
			break
		}
	}
	out := string(s.buf[s.sent:limit])
	s.sent = limit
	return out, false
}

// heldPrefix returns the length of the longest unsent tail of buf that is a
// proper prefix of a stop sequence.
func (s *stopper) heldPrefix() int {
	best := 0
	for _, st := range s.stops {
		for k := min(len(st)-1, len(s.buf)-s.sent); k > best; k-- {
			if bytes.HasSuffix(s.buf, []byte(st[:k])) {
				best = k
				break
			}
		}
	}
	return best
}

// flush returns the text not sent yet (at the end of a generation).
func (s *stopper) flush() string {
	out := string(s.buf[s.sent:])
	s.sent = len(s.buf)
	return out
}

// text returns the whole generated text, without the stop sequence.
func (s *stopper) text() string { return string(s.buf) }
