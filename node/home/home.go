// Package home is the layout of a NexusOS state directory (--home, env
// NEXUS_HOME, default ~/.local/share/nexus): the one place that names the
// files and folders under it. Every command, the node and the runtime ask
// a Dir for a path instead of joining names themselves.
//
//	<home>/
//	├── vectordb/        the embedded vector engine (package vectordb)
//	├── memex/           MemexFS state: files.db (file table, parties)
//	│   └── ocr-cache/   OCR results by content hash (derived by package memex)
//	├── images/          sealed images (package microvm/image)
//	│   └── cache/       compiled WebAssembly (derived by the image store)
//	├── models/          Cortex models added with `nexus cortex add`
//	├── keys/            ed25519 image-signing keys (NAME.key, NAME.key.pub)
//	├── demo/            the demo folder `nexus up` extracts
//	├── import/          files to recover snapshots from (serve's help)
//	├── ocr-cache/       OCR results of `nexus bench memex --real`
//	├── bench-memex/     the store `nexus bench memex` builds
//	└── bench/vectors/   the GloVe data of `nexus bench vectors`
//
// Some packages below node derive a path themselves from one they are
// given (the image store: images/cache; cortex: models/ from the home;
// hnswbench: bench/vectors; memex: ocr-cache/ in its own directory); Dir
// names the same paths, and the package's test holds the first three equal
// (memex does not export its).
//
// A Dir is a value; it is safe for concurrent use.
package home

import (
	"os"
	"path/filepath"
)

// Dir is a NexusOS state directory. The zero value is the current
// directory.
type Dir struct {
	root string
}

// At returns the state directory rooted at root (not created; see
// Ensure).
func At(root string) Dir { return Dir{root: root} }

// Root is the state directory itself.
func (d Dir) Root() string { return d.root }

// String returns Root.
func (d Dir) String() string { return d.root }

// Ensure creates the state directory (and its parents) if needed.
func (d Dir) Ensure() error { return os.MkdirAll(d.root, 0o755) }

func (d Dir) join(elem ...string) string {
	return filepath.Join(append([]string{d.root}, elem...)...)
}

// VectorDB is the embedded vector engine's directory.
func (d Dir) VectorDB() string { return d.join("vectordb") }

// Memex is MemexFS's state directory (memex.Options.Dir).
func (d Dir) Memex() string { return d.join("memex") }

// HasMemex reports whether MemexFS state exists (an index was opened
// here before).
func (d Dir) HasMemex() bool {
	_, err := os.Stat(d.Memex())
	return err == nil
}

// OCRCache is where MemexFS caches OCR results (package memex derives it
// from Memex).
func (d Dir) OCRCache() string { return d.join("memex", "ocr-cache") }

// Images is the sealed-image store.
func (d Dir) Images() string { return d.join("images") }

// ImageCache is the image store's compilation cache.
func (d Dir) ImageCache() string { return d.join("images", "cache") }

// Models is where Cortex models are added (cortex.ModelsDir of Root).
func (d Dir) Models() string { return d.join("models") }

// Keys is the folder of image-signing keys.
func (d Dir) Keys() string { return d.join("keys") }

// Key is the key file NAME+suffix (".key", ".key.pub") in Keys.
func (d Dir) Key(name, suffix string) string { return d.join("keys", name+suffix) }

// Demo is where `nexus up` extracts the demo folder.
func (d Dir) Demo() string { return d.join("demo") }

// Import is where `nexus serve` suggests putting snapshot files to
// recover (recovery reads file:// locations under Root only).
func (d Dir) Import() string { return d.join("import") }

// KVMCPUID is the file that keeps KVM's supported-CPUID table for
// `nexus run` (hyper.CacheCPUID): valid for one boot of the host.
func (d Dir) KVMCPUID() string { return d.join("kvm-cpuid") }

// BenchOCRCache is the OCR cache of `nexus bench memex --real`.
func (d Dir) BenchOCRCache() string { return d.join("ocr-cache") }

// BenchMemex is the state directory `nexus bench memex` builds its store
// in.
func (d Dir) BenchMemex() string { return d.join("bench-memex") }

// BenchVectors is the dataset cache of `nexus bench vectors`
// (hnswbench.DefaultCacheDir of Root).
func (d Dir) BenchVectors() string { return d.join("bench", "vectors") }
