//go:build !linux

package wasm

// newLimitedMemory allocates the whole limit from the Go heap (the pages
// stay untouched until used on most systems).
func newLimitedMemory(reserve uint64) *limitedMemory {
	return &limitedMemory{limit: reserve, mem: make([]byte, reserve)}
}
