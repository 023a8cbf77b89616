package hnswbench

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"nexusos/vectordb/distance"
)

// winkJSON renders vectors in the npm package's layout, listing them in
// the order given by perm (the package lists words by frequency, not by
// index order).
func winkJSON(rows [][]float32, perm []int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"precision":8,"l2NormIndex":%d,"wordIndex":%d,"size":%d,"dimensions":%d,"words":["a","b"],"vectors":{`,
		len(rows[0]), len(rows[0])+1, len(rows), len(rows[0]))
	for i, wi := range perm {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"w\"%d":[`, wi)
		var norm float64
		for _, x := range rows[wi] {
			fmt.Fprintf(&b, "%v,", x)
			norm += float64(x) * float64(x)
		}
		fmt.Fprintf(&b, "%v,%d]", math.Sqrt(norm), wi)
	}
	b.WriteString(`},"unkVector":[0,0,0,-1]}`)
	return b.String()
}

func TestParseWink(t *testing.T) {
	rows := [][]float32{{1, 2, 3}, {-0.5, 0.25, 1e-3}, {0, 0, 0}, {7, -8, 9}}
	v, err := ParseWink(strings.NewReader(winkJSON(rows, []int{2, 0, 3, 1})))
	if err != nil {
		t.Fatal(err)
	}
	if v.Dim != 3 || v.Len() != 4 {
		t.Fatalf("shape %d x %d", v.Len(), v.Dim)
	}
	for i, r := range rows {
		if !slices.Equal(v.Row(i), r) {
			t.Fatalf("row %d = %v, want %v", i, v.Row(i), r)
		}
	}
	for _, bad := range []string{
		``,
		`{"vectors":{`,
		`{"vectors":{"a":[1,2,3,0],"b":[1,0,1]}}`,              // dimensions differ
		`{"vectors":{"a":[1,2,3,0],"b":[1,2,3,0]}}`,            // repeated index
		`{"vectors":{"a":[1,2,3,5]}}`,                          // index beyond count
		`{"vectors":{"a":[1,2,3,0.5]}}`,                        // fractional index
		`{"vectors":{"a":[1,x,3,0]}}`,                          // not a number
		`{"vectors":{"a":[1,2,3,0]`,                            // truncated
		`{"vectors":{"a":[` + strings.Repeat("1", 100) + `]}}`, // number too long
	} {
		if _, err := ParseWink(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// FuzzParseWink checks that arbitrary input never panics and that what is
// accepted has a consistent shape.
func FuzzParseWink(f *testing.F) {
	f.Add(winkJSON([][]float32{{1, 2}, {3, 4}}, []int{1, 0}))
	f.Add(`{"vectors":{"a":[1,2,3,0]}}`)
	f.Add(`{"vectors":{"a\\"b":[1e10,-2,3,0],"c":[1,2,3,1]}}`)
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseWink(strings.NewReader(s))
		if err != nil {
			return
		}
		if v.Dim <= 0 || v.Dim > maxDim || len(v.Data) != v.Len()*v.Dim {
			t.Fatalf("bad shape: dim %d, %d floats", v.Dim, len(v.Data))
		}
	})
}

func TestVectorsRoundTrip(t *testing.T) {
	v := &Vectors{Dim: 3, Data: []float32{1, 2, 3, 4, 5, float32(math.Inf(-1))}}
	var b bytes.Buffer
	if err := WriteVectors(&b, v); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	got, err := ReadVectors(bytes.NewReader(raw))
	if err != nil || got.Dim != 3 || !slices.Equal(got.Data, v.Data) {
		t.Fatalf("round trip: %v %+v", err, got)
	}
	for cut := range len(raw) {
		if _, err := ReadVectors(bytes.NewReader(raw[:cut])); err == nil {
			t.Fatalf("truncation at %d accepted", cut)
		}
	}
	huge := slices.Clone(raw)
	huge[8], huge[9], huge[10], huge[11] = 0xff, 0xff, 0xff, 0x7f
	if _, err := ReadVectors(bytes.NewReader(huge)); err == nil {
		t.Fatal("oversized header accepted")
	}
}

func TestSplitAndGroundTruth(t *testing.T) {
	all := &Vectors{Dim: 4}
	for i := range 300 {
		x := float32(i)
		all.Data = append(all.Data, x, float32(i%7)-3, float32(i%11), 1)
	}
	copy(all.Row(5), []float32{0, 0, 0, 0}) // zero vectors are dropped
	a, err := MakeSplit(all, 250, 20, 9)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := MakeSplit(all, 250, 20, 9)
	if !slices.Equal(a.Queries.Data, b.Queries.Data) || !slices.Equal(a.Base.At(100), b.Base.At(100)) {
		t.Fatal("split is not deterministic")
	}
	if n := distance.Dot(a.Base.At(7), a.Base.At(7)); math.Abs(float64(n)-1) > 1e-5 {
		t.Fatalf("base vector not normalised: |v|^2 = %v", n)
	}
	if _, err := MakeSplit(all, 290, 10, 1); err == nil {
		t.Fatal("split larger than the non-zero vectors accepted")
	}
	dir := t.TempDir()
	g, err := CachedGroundTruth(context.Background(), dir, a, 5)
	if err != nil {
		t.Fatal(err)
	}
	for qi := range a.Queries.Len() {
		q := a.Queries.Row(qi)
		row := g.Row(qi)
		for j := 1; j < len(row); j++ {
			if distance.Dot(q, a.Base.At(row[j-1])) < distance.Dot(q, a.Base.At(row[j])) {
				t.Fatalf("query %d: ground truth not sorted", qi)
			}
		}
		worst := distance.Dot(q, a.Base.At(row[len(row)-1]))
		for id := range uint32(a.Base.Len()) {
			if !slices.Contains(row, id) && distance.Dot(q, a.Base.At(id)) > worst {
				t.Fatalf("query %d: id %d beats the ground truth", qi, id)
			}
		}
	}
	// The cached copy reads back identically.
	g2, err := CachedGroundTruth(context.Background(), dir, a, 5)
	if err != nil || !slices.Equal(g.IDs, g2.IDs) {
		t.Fatalf("cached ground truth differs: %v", err)
	}
}

func TestParseInts(t *testing.T) {
	got, err := ParseInts("10, 20,40")
	if err != nil || !slices.Equal(got, []int{10, 20, 40}) {
		t.Fatalf("ParseInts = %v, %v", got, err)
	}
	for _, bad := range []string{"1,x", "-3", "0"} {
		if _, err := ParseInts(bad); err == nil {
			t.Errorf("ParseInts(%q) accepted", bad)
		}
	}
}
