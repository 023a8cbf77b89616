// Package benchstat holds the small helpers the benchmarks share
// (`nexus bench vm`, `nexus bench kvm`, `nexus bench vectors` and the
// Cortex benchmark): the host's load average, medians and percentiles of samples, and byte counts
// and durations formatted for people. The CLI and the node use Bytes for
// every size they print, so a size reads the same everywhere.
//
// The functions are pure (LoadAvg reads /proc) and safe for concurrent use.
package benchstat

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// LoadAvg returns the host's 1, 5 and 15 minute load averages as
// /proc/loadavg gives them ("0.52 0.48 0.40"), or "unknown" where that
// cannot be read (not Linux). Benchmarks print it with their figures: on a
// shared machine only figures taken under a similar load compare.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// Median returns the median of xs: the middle sample, or the mean of the
// two middle ones for an even count; 0 for none. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Percentile returns the p-th percentile (0 < p <= 100) of xs by the
// nearest-rank method: the smallest sample with at least p% of the samples
// at or below it, so P50 of 1..10 is 5 and P99 of 100 samples the
// 99th smallest. It returns the zero value for no samples; xs is not
// modified.
func Percentile[T cmp.Ordered](xs []T, p float64) T {
	var zero T
	if len(xs) == 0 {
		return zero
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[rank(len(s), p)]
}

// rank is the 0-based nearest-rank index of percentile p among n sorted
// samples: ceil(p/100 * n) - 1, clamped to [0, n-1].
func rank(n int, p float64) int {
	// Integer arithmetic in hundredths of a percent: in floating point,
	// 99/100 * 200 is 198.00000000000003, whose ceiling is one rank high.
	h := int64(p*100 + 0.5)
	i := int((h*int64(n)+9999)/10000) - 1
	return min(max(i, 0), n-1)
}

// Integer is the integer types Bytes formats.
type Integer interface {
	~int | ~int32 | ~int64 | ~uint | ~uint32 | ~uint64 | ~uintptr
}

// Bytes formats a byte count with a binary unit and one decimal:
// "512 B", "1.5 KiB", "64.0 MiB", "2.3 GiB".
func Bytes[T Integer](n T) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	u := uint64(n)
	div, exp := uint64(1024), 0
	for m := u / 1024; m >= 1024; m /= 1024 {
		div *= 1024
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(u)/float64(div), "KMGTPE"[exp])
}

// Millis formats a duration in milliseconds with microsecond resolution,
// "1.234 ms", the unit the latency tables use.
func Millis(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/1e6) }
