package cortex

import (
	"strings"
	"testing"
)

func TestStopper(t *testing.T) {
	tests := []struct {
		name    string
		stops   []string
		pieces  []string
		outs    []string // what each push hands out
		text    string
		stopped bool
	}{
		{name: "no stops", pieces: []string{"a", "bc", "d"}, outs: []string{"a", "bc", "d"}, text: "abcd"},
		{name: "stop inside a piece", stops: []string{"XY"}, pieces: []string{"ab", "cXYd"},
			outs: []string{"ab", "c"}, text: "abc", stopped: true},
		{name: "stop across pieces", stops: []string{"END"}, pieces: []string{"one E", "N", "D two"},
			outs: []string{"one ", "", ""}, text: "one ", stopped: true},
		{name: "held prefix released", stops: []string{"END"}, pieces: []string{"E", "N", "x"},
			outs: []string{"", "", "ENx"}, text: "ENx"},
		{name: "earliest of two stops", stops: []string{"cd", "b"}, pieces: []string{"abcd"},
			outs: []string{"a"}, text: "a", stopped: true},
		{name: "stop at start", stops: []string{"a"}, pieces: []string{"abc"}, outs: []string{""}, text: "", stopped: true},
		{name: "utf-8 split across tokens", pieces: []string{"x\xe2\x82", "\xac", "y"},
			outs: []string{"x", "€", "y"}, text: "x€y"},
		{name: "four-byte rune in bytes", pieces: []string{"\xf0", "\x9f", "\x98", "\x80!"},
			outs: []string{"", "", "", "😀!"}, text: "😀!"},
		{name: "invalid byte is not held", pieces: []string{"a\x80", "b"}, outs: []string{"a\x80", "b"}, text: "a\x80b"},
		{name: "stop after multibyte", stops: []string{"é!"}, pieces: []string{"caf", "\xc3", "\xa9", "!"},
			outs: []string{"caf", "", "", ""}, text: "caf", stopped: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStopper(tc.stops)
			var all strings.Builder
			stopped := false
			for i, p := range tc.pieces {
				out, st := s.push(p)
				if out != tc.outs[i] {
					t.Errorf("push %d (%q): got %q, want %q", i, p, out, tc.outs[i])
				}
				all.WriteString(out)
				if st {
					stopped = true
					break
				}
			}
			all.WriteString(s.flush())
			if stopped != tc.stopped {
				t.Errorf("stopped = %v, want %v", stopped, tc.stopped)
			}
			if s.text() != tc.text || all.String() != tc.text {
				t.Errorf("text %q, sent %q; want %q", s.text(), all.String(), tc.text)
			}
		})
	}
}

// FuzzStopper checks that the text handed out, in any split into pieces,
// is the full text cut before the first stop sequence.
func FuzzStopper(f *testing.F) {
	f.Add("hello END world", "END", uint8(3))
	f.Add("caf\xc3\xa9!x", "é!", uint8(1))
	f.Add("aaaa", "aab", uint8(2))
	f.Fuzz(func(t *testing.T, text, stop string, step uint8) {
		if step == 0 || len(stop) > 256 {
			return
		}
		var stops []string
		if stop != "" {
			stops = []string{stop}
		}
		want := text
		if stop != "" {
			if i := strings.Index(text, stop); i >= 0 {
				want = text[:i]
			}
		}
		s := newStopper(stops)
		var got strings.Builder
		for i := 0; i < len(text); i += int(step) {
			out, st := s.push(text[i:min(len(text), i+int(step))])
			got.WriteString(out)
			if st {
				break
			}
		}
		got.WriteString(s.flush())
		if got.String() != want || s.text() != want {
			t.Fatalf("text %q stop %q step %d: sent %q, text %q, want %q", text, stop, step, got.String(), s.text(), want)
		}
	})
}
