//go:build !linux

package wasm

// snapshotImage keeps a memory snapshot that each restored instance
// copies (no copy-on-write mapping outside Linux).
type snapshotImage struct {
	mem []byte
}

func newSnapshotImage(mem []byte) (*snapshotImage, error) {
	return &snapshotImage{mem: mem}, nil
}

func (s *snapshotImage) newMemory(reserve uint64) (*limitedMemory, error) {
	if reserve < uint64(len(s.mem)) {
		reserve = uint64(len(s.mem))
	}
	b := make([]byte, reserve)
	copy(b, s.mem)
	return &limitedMemory{limit: reserve, mem: b}, nil
}

func (s *snapshotImage) close() {}

// prefault does nothing: without copy-on-write the copy is already made.
func prefault(*memoryLimiter) {}
