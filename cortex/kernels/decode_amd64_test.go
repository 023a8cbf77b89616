//go:build amd64 && !purego

package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestDecodersMatchReference checks the assembly row decoders, which feed the
// batched kernels, against the pure-Go block decoders.
func TestDecodersMatchReference(t *testing.T) {
	if len(archImpls()) == 0 {
		t.Skip("CPU lacks AVX2/F16C")
	}
	rng := rand.New(rand.NewPCG(13, 13))
	const nb = 5
	for _, typ := range []string{"tq1", "tq2", "i2s"} {
		w := randTernary(rng, typ, 1, nb*QK)
		got := make([]byte, nb*QK)
		want := make([]byte, nb*QK)
		var tr [QK]int8
		for b := range nb {
			switch typ {
			case "tq1":
				decodeTQ1Codes(w[b*BlockTQ1Size:], want[b*QK:])
			case "tq2":
				decodeTQ2(w[b*BlockTQ2Size:], &tr)
				for j, v := range tr {
					want[b*QK+j] = byte(v + 1)
				}
			case "i2s":
				for j := range QK {
					g, m := (b*QK+j)/I2SGroup, j%I2SGroup
					want[b*QK+j] = w[g*32+m%32] >> (6 - 2*(m/32)) & 3
				}
			}
		}
		switch typ {
		case "tq1":
			decodeTQ1Row(&got[0], &w[0], nb)
		case "tq2":
			decodeTQ2Row(&got[0], &w[0], nb)
		case "i2s":
			decodeI2SRow(&got[0], &w[0], nb*QK/I2SGroup)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: code %d = %d, want %d", typ, i, got[i], want[i])
			}
		}
	}
}
