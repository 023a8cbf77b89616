package microvm

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize parses a byte size: a number with an optional unit K, M, G
// (powers of 1024; "KiB", "MB" and "k" spellings are accepted), e.g.
// "64MiB", "512k", "1G", "4096".
func ParseSize(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	u := strings.ToLower(t)
	u = strings.TrimSuffix(u, "ib")
	u = strings.TrimSuffix(u, "b")
	mult := uint64(1)
	if n := len(u); n > 0 {
		switch u[n-1] {
		case 'k':
			mult, u = 1<<10, u[:n-1]
		case 'm':
			mult, u = 1<<20, u[:n-1]
		case 'g':
			mult, u = 1<<30, u[:n-1]
		}
	}
	v, err := strconv.ParseUint(strings.TrimSpace(u), 10, 64)
	if err != nil || v > (1<<63)/mult {
		return 0, fmt.Errorf("bad size %q: want a number with an optional K, M or G suffix", s)
	}
	return v * mult, nil
}
