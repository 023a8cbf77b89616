//go:build linux && amd64

package libos

import (
	"bytes"
	"errors"
	"testing"

	"nexusos/hyper"
)

// seedSnapshot is a small well-formed snapshot built by hand (no KVM
// needed): one thread, one page, the standard streams.
func seedSnapshot() *Snapshot {
	s := &Snapshot{
		args: []string{"prog", "-x"}, env: []string{"A=1"}, cpus: 2, clock: clockVDSO,
		mono: 10e9, nextTID: 2, total: 1,
		brkStart: 0x500000, brkCur: 0x500000, heapEnd: 0x500000,
		vmas:  []vma{{start: 0x400000, end: 0x401000, prot: hyper.ProtRead | hyper.ProtExec, kind: vmaImage}},
		objs:  []snapFile{{kind: kindStdin}, {kind: kindStdout}, {kind: kindStderr}, {kind: kindEventfd, counter: 3}, {kind: kindEpoll, interest: []snapInterest{{fd: 3, events: 1, data: 7}}}},
		fds:   []snapFD{{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, 4}},
		pages: []snapPage{{va: 0x400000, prot: hyper.ProtRead | hyper.ProtExec, fromExe: true}, {va: 0x600000, prot: hyper.ProtRead | hyper.ProtWrite}},
		data:  bytes.Repeat([]byte{0x90}, hyper.PageSize),
	}
	t := snapThread{tid: 1, fsBase: 0x4100, mask: 1 << 9}
	t.regs.RIP, t.regs.RCX = 0x400000, 0x400002
	s.threads = []snapThread{t}
	return s
}

// FuzzDecodeSnapshot: hostile bytes are refused with ErrBadSnapshot or
// decode to a snapshot that encodes back to the same bytes.
func FuzzDecodeSnapshot(f *testing.F) {
	b, _ := seedSnapshot().MarshalBinary()
	f.Add(b)
	f.Add(b[:len(b)-hyper.PageSize])
	f.Add([]byte(snapMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSnapshot(b, tinyELF())
		if err != nil {
			if !errors.Is(err, ErrBadSnapshot) {
				t.Fatalf("error %v is not ErrBadSnapshot", err)
			}
			return
		}
		again, _ := s.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatal("decoded snapshot encodes to other bytes")
		}
	})
}

// TestSeedSnapshotRoundTrip keeps the fuzz seed well-formed.
func TestSeedSnapshotRoundTrip(t *testing.T) {
	b, _ := seedSnapshot().MarshalBinary()
	s, err := DecodeSnapshot(b, tinyELF())
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := s.MarshalBinary(); !bytes.Equal(again, b) {
		t.Fatal("round trip changed the bytes")
	}
}
