package embed

import (
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
