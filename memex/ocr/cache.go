package ocr

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"nexusos/memex/layout"
)

// cacheVersion changes when the cached lines would come out differently
// for the same input (parser, rendering or grouping changes).
const cacheVersion = 10 // 2: OCR words are whole words (spaces between them); 3: images cut to the paper and small ones doubled; 4: receipt words guess the language; 5: pages turned upright; 6, 7: poor pages read as one block; 8: rules removed (dropped); 9: pages in other scripts read in Japanese or Chinese; 10: images and PDF pages prepared (speckle, light, print size)

type cacheEntry struct {
	Version int           `json:"version"`
	Pages   int           `json:"pages"`
	Lines   []layout.Line `json:"lines"`
}

// cacheKey is the SHA-256 of the input, salted with what else decides the
// output: the kind of input, the languages and the page limit.
func (e *Engine) cacheKey(kind string, data []byte, langs []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "memex-ocr v%d %s langs=%s maxpages=%d\x00", cacheVersion, kind, strings.Join(langs, "+"), e.maxPages())
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

func (e *Engine) cachePath(key string) string {
	return filepath.Join(e.CacheDir, key[:2], key+".json")
}

// cacheGet returns a cached result; ok is false on a miss or a damaged
// entry.
func (e *Engine) cacheGet(key string) (lines []layout.Line, pages int, ok bool) {
	if e.CacheDir == "" {
		return nil, 0, false
	}
	b, err := os.ReadFile(e.cachePath(key))
	if err != nil {
		return nil, 0, false
	}
	var c cacheEntry
	if json.Unmarshal(b, &c) != nil || c.Version != cacheVersion || c.Pages < 1 {
		return nil, 0, false
	}
	return c.Lines, c.Pages, true
}

// cachePut stores a result atomically: a reader sees the old entry, none,
// or the whole new one.
func (e *Engine) cachePut(key string, lines []layout.Line, pages int) error {
	if e.CacheDir == "" {
		return nil
	}
	b, err := json.Marshal(cacheEntry{Version: cacheVersion, Pages: pages, Lines: lines})
	if err != nil {
		return fmt.Errorf("encode OCR cache entry: %w", err)
	}
	path := e.cachePath(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("OCR cache dir: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("OCR cache: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write OCR cache entry: %w", werr)
	}
	return nil
}
