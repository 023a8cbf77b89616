package nexus

import (
	"errors"
	"testing"

	"nexusos/abi"
)

// Outside a microVM every call fails with ErrNotAvailable, and errors match
// their sentinels through errors.Is.
func TestOutsideMicroVM(t *testing.T) {
	_, err := MemexQuery("unpaid invoices", Limit(5))
	if !errors.Is(err, ErrNotAvailable) || errors.Is(err, ErrDenied) {
		t.Fatalf("MemexQuery outside a microVM: %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Op != "memex.query" || e.Code != abi.ErrNotAvailable {
		t.Fatalf("error = %#v", err)
	}
	if _, err := Generate("hi", MaxTokens(3)); !errors.Is(err, ErrNotAvailable) {
		t.Fatalf("Generate: %v", err)
	}
	if ABIVersion() != 0 {
		t.Fatal("ABIVersion outside a microVM")
	}
}

func TestOptions(t *testing.T) {
	q := abi.QueryRequest{}
	Limit(20)(&q)
	Folder("invoices")(&q)
	if q.Limit != 20 || q.Folder != "invoices" {
		t.Fatalf("query options = %+v", q)
	}
	g := abi.GenerateRequest{}
	MaxTokens(7)(&g)
	Temperature(0.5)(&g)
	if g.MaxTokens != 7 || g.Temperature != 0.5 {
		t.Fatalf("generate options = %+v", g)
	}
}
