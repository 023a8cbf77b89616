//go:build !linux

package image

import (
	"fmt"
	"os"
)

// mapSealedStamp is mapSealed with no stamp: verifications are
// remembered on Linux only.
func mapSealedStamp(path string) ([]byte, func() error, fileStamp, error) {
	b, release, err := mapSealed(path)
	return b, release, fileStamp{}, err
}

// readStamp finds no stamp: see mapSealedStamp.
func readStamp(string) ([]byte, bool) { return nil, false }

// mapSealed reads the file: mapping is used on Linux only.
func mapSealed(path string) ([]byte, func() error, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if st.Size() > MaxSealedSize {
		return nil, nil, fmt.Errorf("%w: %s: file too large", ErrFormat, path)
	}
	b, err := os.ReadFile(path)
	return b, nil, err
}
