package home

import (
	"testing"

	"nexusos/cortex"
	"nexusos/microvm/image"
	"nexusos/vectordb/hnsw/hnswbench"
)

// TestDerivedPathsAgree holds Dir's names equal to the paths packages
// below node derive themselves.
func TestDerivedPathsAgree(t *testing.T) {
	root := t.TempDir()
	d := At(root)
	store, err := image.OpenStore(d.Images())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"models", d.Models(), cortex.ModelsDir(root)},
		{"image cache", d.ImageCache(), store.CacheDir()},
		{"bench vectors", d.BenchVectors(), hnswbench.DefaultCacheDir(root)},
	} {
		if c.got != c.want {
			t.Errorf("%s: Dir says %s, the owner %s", c.name, c.got, c.want)
		}
	}
	if d.HasMemex() {
		t.Errorf("HasMemex in an empty home")
	}
}
