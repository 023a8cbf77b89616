package vectordb

import (
	"context"
	"reflect"
	"testing"
)

// Small assertion helpers (no testify, per STYLE.md).

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustKind(t testing.TB, err error, kind ErrorKind) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error of kind %d, got nil", kind)
	}
	if KindOf(err) != kind {
		t.Fatalf("want error of kind %d, got %d: %v", kind, KindOf(err), err)
	}
}

func eq[T any](t testing.TB, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

var bg = context.Background()

func openTemp(t testing.TB) (*DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	must(t, err)
	t.Cleanup(func() { db.Close() })
	return db, dir
}

func dense(v ...float32) NamedVectors { return NamedVectors{DefaultVector: {Dense: v}} }

func num(n uint64) PointID { return PointID{Num: n} }

func ids(recs []Record) []PointID {
	out := make([]PointID, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func hitIDs(h []ScoredPoint) []PointID {
	out := make([]PointID, len(h))
	for i, r := range h {
		out[i] = r.ID
	}
	return out
}

func simpleConfig(size int, d Distance) CollectionConfig {
	return CollectionConfig{Vectors: map[string]VectorParams{DefaultVector: {Size: size, Distance: d}}}
}

func ptr[T any](v T) *T { return &v }

// exists reports whether db has collection (or alias) name.
func exists(t testing.TB, db *DB, name string) bool {
	t.Helper()
	ok, err := db.CollectionExists(bg, name)
	must(t, err)
	return ok
}
