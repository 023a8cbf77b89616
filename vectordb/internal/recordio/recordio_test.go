package recordio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// frames returns bodies framed one after another.
func frames(bodies ...string) []byte {
	var b []byte
	for _, body := range bodies {
		b = Append(b, []byte(body))
	}
	return b
}

// header returns a frame header claiming length n and checksum sum.
func header(n, sum uint32) []byte {
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, n), sum)
}

var readerTests = []struct {
	name   string
	data   []byte
	bodies []string
	valid  int  // length of the valid prefix
	bad    bool // Next ends with ErrBadRecord (else io.EOF)
}{
	{name: "empty", data: nil},
	{name: "one", data: frames("a"), bodies: []string{"a"}, valid: 9},
	{name: "three", data: frames("op1", "op-two", "3"), bodies: []string{"op1", "op-two", "3"}, valid: 34},
	{name: "torn header", data: append(frames("ab"), 5, 0, 0), bodies: []string{"ab"}, valid: 10, bad: true},
	{name: "torn body", data: frames("abc", "defg")[:19], bodies: []string{"abc"}, valid: 11, bad: true},
	{name: "zeroed tail", data: append(frames("x"), make([]byte, 16)...), bodies: []string{"x"}, valid: 9, bad: true},
	{name: "flipped body bit", data: func() []byte { b := frames("abc", "def"); b[12] ^= 1; return b }(),
		bodies: []string{"abc"}, valid: 11, bad: true},
	{name: "flipped checksum", data: func() []byte { b := frames("abc"); b[5] ^= 0x80; return b }(), bad: true},
	{name: "length over the max", data: append(header(MaxBodySize+1, 0), 'x'), bad: true},
	{name: "length past the end", data: append(header(1<<20, 0), "short"...), bad: true},
	{name: "garbage", data: []byte("garbage that is not a log"), bad: true},
}

func TestReader(t *testing.T) {
	for _, tc := range readerTests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(tc.data)
			var got []string
			var err error
			for {
				var body []byte
				if body, err = r.Next(); err != nil {
					break
				}
				got = append(got, string(body))
			}
			if (err == ErrBadRecord) != tc.bad || (!tc.bad && err != io.EOF) {
				t.Errorf("ended with %v, want bad %v", err, tc.bad)
			}
			if len(got) != len(tc.bodies) || r.Offset() != tc.valid {
				t.Fatalf("bodies %q at offset %d, want %q at %d", got, r.Offset(), tc.bodies, tc.valid)
			}
			for i := range got {
				if got[i] != tc.bodies[i] {
					t.Errorf("body %d %q, want %q", i, got[i], tc.bodies[i])
				}
			}
			if tc.bad {
				if _, err := r.Next(); err != ErrBadRecord || r.Offset() != tc.valid {
					t.Errorf("after a bad record: %v at %d", err, r.Offset())
				}
			}
		})
	}
}

func TestReadFrom(t *testing.T) {
	for _, tc := range readerTests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(tc.data)
			if len(got) != len(tc.bodies) {
				t.Fatalf("bodies %q, want %q", got, tc.bodies)
			}
			if tc.bad == (err == io.EOF) {
				t.Errorf("ended with %v, want bad %v", err, tc.bad)
			}
		})
	}
	if _, err := ReadFrom(bytes.NewReader(append(header(MaxBodySize+1, 0), 'x'))); !errors.Is(err, ErrBadRecord) {
		t.Errorf("length over the max: %v", err)
	}
	if _, err := ReadFrom(bytes.NewReader(func() []byte { b := frames("abc"); b[9] ^= 1; return b }())); !errors.Is(err, ErrBadRecord) {
		t.Errorf("checksum: %v", err)
	}
	if _, err := ReadFrom(bytes.NewReader(frames("abcdef")[:10])); err != io.ErrUnexpectedEOF {
		t.Errorf("torn body: %v", err)
	}
	// A large body arrives in pieces.
	big := bytes.Repeat([]byte("0123456789"), 3*readChunk/10+7)
	if got, err := ReadFrom(bytes.NewReader(Append(nil, big))); err != nil || !bytes.Equal(got, big) {
		t.Errorf("large body: %d bytes, %v", len(got), err)
	}
}

// readAll reads records from data as a stream until the first error.
func readAll(data []byte) ([]string, error) {
	r := bytes.NewReader(data)
	var out []string
	for {
		body, err := ReadFrom(r)
		if err != nil {
			return out, err
		}
		out = append(out, string(body))
	}
}

// FuzzReader reads arbitrary bytes as records: the valid prefix re-frames
// to exactly its bytes, the stream reader agrees with the slice reader,
// and ParseAt finds each record where the reader did.
func FuzzReader(f *testing.F) {
	for _, tc := range readerTests {
		f.Add(tc.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(data)
		var bodies []string
		var reframed []byte
		var err error
		for {
			start := r.Offset()
			var body []byte
			if body, err = r.Next(); err != nil {
				break
			}
			if b, n := ParseAt(data, start); n != HeaderSize+len(body) || !bytes.Equal(b, body) {
				t.Fatalf("ParseAt(%d) = %d bytes, Next %d", start, n, len(body))
			}
			if len(body) == 0 || len(body) > MaxBodySize {
				t.Fatalf("body of %d bytes", len(body))
			}
			bodies = append(bodies, string(body))
			reframed = Append(reframed, body)
		}
		valid := r.Offset()
		if valid < 0 || valid > len(data) || (err == io.EOF) != (valid == len(data)) {
			t.Fatalf("ended with %v at %d of %d bytes", err, valid, len(data))
		}
		if err != io.EOF && err != ErrBadRecord {
			t.Fatalf("error %v", err)
		}
		if !bytes.Equal(reframed, data[:valid]) {
			t.Fatalf("valid prefix does not re-frame to its bytes")
		}
		streamed, serr := readAll(data)
		if len(streamed) != len(bodies) || (serr == io.EOF) != (err == io.EOF) {
			t.Fatalf("stream read %d records (%v), slice %d (%v)", len(streamed), serr, len(bodies), err)
		}
		for i := range streamed {
			if streamed[i] != bodies[i] {
				t.Fatalf("record %d differs", i)
			}
		}
		// The bodies framed again read back the same.
		again := NewReader(reframed)
		for i := range bodies {
			if b, err := again.Next(); err != nil || string(b) != bodies[i] {
				t.Fatalf("round trip of record %d: %v", i, err)
			}
		}
		if _, err := again.Next(); err != io.EOF {
			t.Fatalf("round trip ends with %v", err)
		}
	})
}
