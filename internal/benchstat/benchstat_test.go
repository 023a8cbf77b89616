package benchstat

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		in := append([]float64(nil), tc.in...)
		if got := Median(tc.in); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Fatalf("Median sorted its argument: %v", tc.in)
			}
		}
	}
}

func TestPercentile(t *testing.T) {
	ten := []time.Duration{100, 9, 8, 7, 6, 5, 4, 3, 2, 1}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{
		{50, 5}, {90, 9}, {99, 100}, {100, 100}, {1, 1}, {0, 1},
	} {
		if got := Percentile(ten, tc.p); got != tc.want {
			t.Errorf("Percentile(1..9,100, %v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if ten[0] != 100 {
		t.Fatal("Percentile sorted its argument")
	}
	if Percentile([]time.Duration(nil), 50) != 0 {
		t.Fatal("Percentile of nothing")
	}
	// Nearest rank at the sample counts the benchmarks use: p50 and p99
	// of n samples 1..n are the ceil(p*n/100)-th, never one high from
	// floating-point rounding.
	for _, n := range []int{1, 10, 20, 100, 200, 1000} {
		s := make([]int, n)
		for i := range s {
			s[n-1-i] = i + 1
		}
		for _, p := range []float64{50, 99} {
			want := max(1, int(math.Ceil(p*float64(n)/100-1e-9)))
			if got := Percentile(s, p); got != want {
				t.Errorf("n=%d: Percentile(%v) = %d, want %d", n, p, got, want)
			}
		}
	}
}

func TestBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{64 << 20, "64.0 MiB"}, {5 << 30, "5.0 GiB"}, {3 << 40, "3.0 TiB"}, {-1, "-1 B"},
	} {
		if got := Bytes(tc.n); got != tc.want {
			t.Errorf("Bytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if got := Bytes(uint64(1<<64 - 1)); got != "16.0 EiB" {
		t.Errorf("Bytes(max uint64) = %q", got)
	}
	if got := Millis(1234567 * time.Nanosecond); got != "1.235 ms" {
		t.Errorf("Millis = %q", got)
	}
}

func TestLoadAvg(t *testing.T) {
	la := LoadAvg()
	if la != "unknown" && len(strings.Fields(la)) != 3 {
		t.Fatalf("LoadAvg = %q", la)
	}
}
