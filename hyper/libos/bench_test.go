//go:build linux && amd64

package libos

import (
	"context"
	"io"
	"testing"
	"time"
)

// BenchmarkStart runs the C and Go hellos b.N times each and reports the
// time to the first instruction and to exit (means; nexus bench kvm gives
// percentiles).
func BenchmarkStart(b *testing.B) {
	needKVM(b)
	for _, tc := range []struct {
		name string
		prog func(testing.TB) string
		args []string
	}{
		{"musl-hello", func(t testing.TB) string { return buildMusl(t, "examples-kvm/hello-c/hello.c") }, []string{"hello"}},
		{"go-hello", func(t testing.TB) string { return buildGo(t, "examples-kvm/hello-go") }, []string{"hello-go", "-quick"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			elf := readFile(b, tc.prog(b))
			cfg := NewConfig().WithArgs(tc.args...).WithStdout(io.Discard)
			var first time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res, err := Run(context.Background(), cfg, elf)
				if err != nil {
					b.Fatal(err)
				}
				first += res.FirstInstruction
			}
			b.ReportMetric(float64(first.Microseconds())/float64(b.N), "µs-to-first-instruction")
		})
	}
}
