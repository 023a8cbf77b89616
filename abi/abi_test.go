package abi

import "testing"

func TestCleanFolder(t *testing.T) {
	for in, want := range map[string]string{"/": "", "": "", "/a/b/": "a/b", "a//b/./c": "a/b/c"} {
		if got, ok := CleanFolder(in); !ok || got != want {
			t.Errorf("CleanFolder(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"..", "a/../b", "a\\b", "a\x00"} {
		if _, ok := CleanFolder(in); ok {
			t.Errorf("CleanFolder(%q) accepted", in)
		}
	}
	if InFolder("invoices-old/x", "invoices") || !InFolder("invoices/x", "invoices") || !InFolder("x", "/") {
		t.Error("InFolder prefix rule")
	}
}

func TestNames(t *testing.T) {
	if OpMemexQuery.String() != "memex.query" || Op(99).String() != "op(99)" {
		t.Error("Op.String")
	}
	if ErrDenied.String() != "capability denied" || Errno(77).String() != "errno(77)" {
		t.Error("Errno.String")
	}
}
