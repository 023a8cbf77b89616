package hnswbench

import (
	"slices"
	"testing"

	"nexusos/vectordb/hnsw"
)

// TestQuantFlags checks the parsers of the quantization flags of
// `nexus bench vectors`.
func TestQuantFlags(t *testing.T) {
	enc, err := ParseBinary("1, two_bits,1.5")
	if err != nil || !slices.Equal(enc, []hnsw.BinaryEncoding{hnsw.OneBit, hnsw.TwoBits, hnsw.OneAndHalfBits}) {
		t.Fatalf("ParseBinary: %v, %v", enc, err)
	}
	if _, err := ParseBinary("3"); err == nil {
		t.Fatal("ParseBinary accepted 3")
	}
	for in, want := range map[string]hnsw.BinaryQuery{"": hnsw.QuerySame, "binary": hnsw.QuerySame, "scalar4bits": hnsw.QueryScalar4, "scalar8bits": hnsw.QueryScalar8} {
		if got, err := ParseBinaryQuery(in); err != nil || got != want {
			t.Fatalf("ParseBinaryQuery(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseBinaryQuery("scalar2bits"); err == nil {
		t.Fatal("ParseBinaryQuery accepted scalar2bits")
	}
	pq, err := ParseProduct("x8, 16,x64")
	if err != nil || !slices.Equal(pq, []int{8, 16, 64}) {
		t.Fatalf("ParseProduct: %v, %v", pq, err)
	}
	for _, bad := range []string{"x2", "3", "x"} {
		if _, err := ParseProduct(bad); err == nil {
			t.Fatalf("ParseProduct accepted %q", bad)
		}
	}
	os, err := ParseFloats("1,1.5, 4")
	if err != nil || !slices.Equal(os, []float64{1, 1.5, 4}) {
		t.Fatalf("ParseFloats: %v, %v", os, err)
	}
	for _, bad := range []string{"0", "x", "-1", "NaN"} {
		if _, err := ParseFloats(bad); err == nil {
			t.Fatalf("ParseFloats accepted %q", bad)
		}
	}
}
