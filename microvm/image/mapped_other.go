//go:build !linux

package image

import (
	"fmt"
	"os"
)

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
