package embed

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

func cos(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i] * b[i])
		na += float64(a[i] * a[i])
		nb += float64(b[i] * b[i])
	}
	return d / math.Sqrt(na*nb)
}

func TestDefaultLoads(t *testing.T) {
	g, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if g.Dim() != 100 || g.Words() < 50000 {
		t.Fatalf("dim %d words %d", g.Dim(), g.Words())
	}
	for _, w := range []string{"invoice", "unpaid", "photosynthesis", "the"} {
		if _, ok := g.Lookup(w); !ok {
			t.Errorf("%q missing from vocabulary", w)
		}
	}
	v := g.Embed("The unpaid invoice from the vendor")
	var n float64
	for _, x := range v {
		n += float64(x * x)
	}
	if math.Abs(n-1) > 1e-4 {
		t.Fatalf("embedding norm² %v, want 1", n)
	}
}

// TestParaphrase checks that sentences sharing no content words but the same
// meaning are closer than unrelated ones.
func TestParaphrase(t *testing.T) {
	g, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ q, near, far string }{
		{"how plants turn sunlight into energy", "photosynthesis in leaves uses chlorophyll to capture light", "the invoice for consulting services is overdue"},
		{"money we still owe suppliers", "outstanding balance due on the vendor bill", "mitochondria are organelles inside the cell"},
		{"the french revolution", "the storming of the bastille in paris in 1789", "quadratic equations and their roots"},
	}
	for _, c := range cases {
		q, n, f := g.Embed(c.q), g.Embed(c.near), g.Embed(c.far)
		if cos(q, n) <= cos(q, f) {
			t.Errorf("%q: near %.3f <= far %.3f", c.q, cos(q, n), cos(q, f))
		}
	}
}

func TestEmptyAndUnknown(t *testing.T) {
	g, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"", "zzqxj qqzzv", "\xff\xfe", "12345"} {
		v := g.Embed(s)
		if len(v) != g.Dim() {
			t.Fatalf("len %d", len(v))
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) {
				t.Fatalf("%q: NaN", s)
			}
		}
	}
}

func TestTokens(t *testing.T) {
	var got []string
	Tokens("Northwind's INVOICE #42, café—déjà vu\xff ok", func(s string) { got = append(got, s) })
	want := []string{"northwind", "invoice", "42", "café", "déjà", "vu", "ok"}
	if len(got) != len(want) {
		t.Fatalf("got %q want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q want %q", got, want)
		}
	}
}

func FuzzLoadGloVe(f *testing.F) {
	f.Add(gloveTable[:4096])
	f.Add([]byte("NXGLOVE1\x04\x00\x00\x00\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := LoadGloVe(b)
		if err == nil {
			_ = g.Embed("the quick brown fox")
		}
	})
}

// TestWordVectorAllButTheTop: word vectors less the vocabulary's mean and
// top components leave unrelated words near 0 and related ones high.
func TestWordVectorAllButTheTop(t *testing.T) {
	g, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(g.top) == 0 || g.mean == nil {
		t.Fatal("the embedded table has no mean and top components")
	}
	sim := func(a, b string) float64 {
		va, _, ok1 := g.WordVector(a)
		vb, _, ok2 := g.WordVector(b)
		if !ok1 || !ok2 {
			t.Fatalf("%q or %q unknown", a, b)
		}
		return cos(va, vb)
	}
	for _, p := range [][2]string{{"cat", "invoice"}, {"the", "invoice"}, {"structure", "prison"}} {
		if s := sim(p[0], p[1]); math.Abs(s) > 0.15 {
			t.Errorf("unrelated %q, %q: cos %.3f, want near 0", p[0], p[1], s)
		}
	}
	for _, p := range [][2]string{{"fortified", "fortress"}, {"velocity", "acceleration"}, {"cheese", "bread"}} {
		if s := sim(p[0], p[1]); s < 0.5 {
			t.Errorf("related %q, %q: cos %.3f, want ≥ 0.5", p[0], p[1], s)
		}
	}
}

// TestLoadGloVeVersions reads an NXGLOVE1 table (no top components) and
// rejects NXGLOVE2 tables cut inside the new fields.
func TestLoadGloVeVersions(t *testing.T) {
	le := binary.LittleEndian
	f32s := func(b []byte, v ...float32) []byte {
		for _, x := range v {
			b = le.AppendUint32(b, math.Float32bits(x))
		}
		return b
	}
	table := func(magic string, extra []byte) []byte {
		b := append([]byte(magic), 2, 0, 0, 0, 1, 0, 0, 0) // dim 2, one word
		b = f32s(b, 1, 0)                                  // common
		b = append(b, extra...)
		b = append(b, 2, 'h', 'i')
		b = f32s(b, 0.5)
		return append(b, 127, 0)
	}
	g, err := LoadGloVe(table("NXGLOVE1", nil))
	if err != nil {
		t.Fatal(err)
	}
	if v, _, ok := g.WordVector("hi"); !ok || math.Abs(float64(v[0])-1) > 1e-6 {
		t.Fatalf("v1 word vector %v, %v", v, ok)
	}
	v2 := f32s(le.AppendUint32(nil, 1), 0, 0, 0, 1) // k 1, mean 0, top (0, 1)
	if _, err := LoadGloVe(table("NXGLOVE2", v2)); err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{2, 6, 10} {
		if _, err := LoadGloVe(table("NXGLOVE2", v2[:cut])); !errors.Is(err, ErrBadTable) {
			t.Errorf("NXGLOVE2 cut to %d bytes of its new fields: %v, want ErrBadTable", cut, err)
		}
	}
	if _, err := LoadGloVe(table("NXGLOVE2", le.AppendUint32(nil, 3))); !errors.Is(err, ErrBadTable) {
		t.Errorf("3 top components of 2 dimensions: %v, want ErrBadTable", err)
	}
}
