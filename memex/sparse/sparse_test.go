package sparse

import "testing"

func TestDocumentAndQuery(t *testing.T) {
	d := Document("Invoices and invoice totals; the invoice is unpaid.")
	q := Query("unpaid invoices")
	if len(q.Indices) != 2 {
		t.Fatalf("query terms %v", q.Indices)
	}
	vals := map[uint32]float32{}
	for i, idx := range d.Indices {
		vals[idx] = d.Values[i]
		if i > 0 && d.Indices[i-1] >= idx {
			t.Fatal("indices not strictly increasing")
		}
	}
	inv, unp := vals[Dim("invoice")], vals[Dim("unpaid")]
	if !(inv > unp && unp > 0) {
		t.Fatalf("tf saturation: invoice %v unpaid %v", inv, unp)
	}
	if _, ok := vals[Dim("the")]; ok {
		t.Fatal("stop word indexed")
	}
	for _, c := range [][2]string{{"companies", "company"}, {"boxes", "box"}, {"class", "class"}, {"status", "status"}, {"notes", "note"}} {
		if Stem(c[0]) != c[1] {
			t.Errorf("Stem(%q) = %q want %q", c[0], Stem(c[0]), c[1])
		}
	}
}
