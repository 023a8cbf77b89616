package memex

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"nexusos/memex/embed/wordnet"
)

// Outside sources of wording for the paraphrase tests, read at test time
// from Debian packages: GCIDE (dict-gcide; GPL dictionary text, never
// copied into the repository) and WordNet 3.0 (wordnet-base).

const (
	gcideIndex = "/usr/share/dictd/gcide.index"
	gcideData  = "/usr/share/dictd/gcide.dict.dz"
)

type gcide struct {
	data  []byte
	index map[string][][2]int // lower-case headword → (offset, length) of each entry
}

var (
	gcideOnce sync.Once
	gcideDB   *gcide
	gcideErr  error
	wnOnce    sync.Once
	wnDB      *wordnet.DB
	wnErr     error
)

// needPackage fails the test in CI (CI=true) and skips it elsewhere when an
// outside source is not installed.
func needPackage(t testing.TB, pkg string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "true" && errors.Is(err, os.ErrNotExist) || os.Getenv("CI") != "true" && errors.Is(err, wordnet.ErrNotInstalled) {
		t.Skipf("Debian package %s is not installed (bash .ci/deps.d/45-wordnet-gcide.sh installs it): %v", pkg, err)
	}
	t.Fatalf("%s: %v", pkg, err)
}

func openGCIDE(t testing.TB) *gcide {
	gcideOnce.Do(func() { gcideDB, gcideErr = loadGCIDE() })
	needPackage(t, "dict-gcide", gcideErr)
	return gcideDB
}

func openWordNet(t testing.TB) *wordnet.DB {
	wnOnce.Do(func() { wnDB, wnErr = wordnet.Open("") })
	needPackage(t, "wordnet-base", wnErr)
	return wnDB
}

func loadGCIDE() (*gcide, error) {
	f, err := os.Open(gcideData)
	if err != nil {
		return nil, fmt.Errorf("gcide: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f) // dictzip is gzip with a random-access index
	if err != nil {
		return nil, fmt.Errorf("gcide: %s: %w", gcideData, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("gcide: %s: %w", gcideData, err)
	}
	g := &gcide{data: data, index: map[string][][2]int{}}
	idx, err := os.Open(gcideIndex)
	if err != nil {
		return nil, fmt.Errorf("gcide: %w", err)
	}
	defer idx.Close()
	sc := bufio.NewScanner(idx)
	for sc.Scan() {
		fs := strings.Split(sc.Text(), "\t")
		if len(fs) != 3 {
			continue
		}
		off, n := b64(fs[1]), b64(fs[2])
		if off < 0 || n < 0 || off+n > int64(len(data)) {
			return nil, fmt.Errorf("gcide: %s: entry %q out of range", gcideIndex, fs[0])
		}
		k := strings.ToLower(fs[0])
		g.index[k] = append(g.index[k], [2]int{int(off), int(n)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("gcide: %s: %w", gcideIndex, err)
	}
	return g, nil
}

// b64 decodes dictd's base-64 numbers.
func b64(s string) int64 {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var v int64
	for _, c := range s {
		i := strings.IndexRune(alpha, c)
		if i < 0 {
			return -1
		}
		v = v*64 + int64(i)
	}
	return v
}

var (
	gcideSense    = regexp.MustCompile(`^\s*(\d+)\.\s`)
	gcideBrackets = regexp.MustCompile(`\[[^\]]*\]`)
	gcideNoise    = regexp.MustCompile(`\[[^\]]*\]|--[A-Z][\w. ]*\.|\([A-Z][a-z]*\.(\s*[A-Z][a-z]*\.)*\)`)
	gcideBraces   = strings.NewReplacer("{", "", "}", "", "\\", "", "`", "", "\"", "", "*", "")
)

// Definition returns sense n (1-based; 0 for an entry without numbered
// senses, or the first) of the first entry of headword whose part of speech
// line contains "n." (a noun), cut to its first sentence of at most maxWords
// words. It returns "" when the dictionary has no such entry.
func (g *gcide) Definition(headword string, n, maxWords int) string {
	for _, e := range g.index[strings.ToLower(headword)] {
		text := string(g.data[e[0] : e[0]+e[1]])
		head, _, _ := strings.Cut(text, "\n")
		if !strings.Contains(head, " n.") && !strings.Contains(head, ", n") {
			continue
		}
		// Etymologies and sources are in brackets, possibly over lines;
		// then the headword line goes, senses are "N. …" paragraphs, and
		// notes and sub-entries follow blank lines.
		text = gcideBrackets.ReplaceAllString(text, " ")
		_, body, _ := strings.Cut(text, "\n")
		var senses []string
		for _, para := range strings.Split(body, "\n\n") {
			p := strings.Join(strings.Fields(para), " ")
			if p == "" || strings.HasPrefix(p, "Note:") || strings.HasPrefix(p, "Syn.") || strings.HasPrefix(p, "{") {
				continue
			}
			if m := gcideSense.FindStringSubmatch(p); m != nil {
				senses = append(senses, p[len(m[0]):])
			} else if len(senses) == 0 {
				senses = append(senses, p)
			}
		}
		i := max(n, 1) - 1
		if i >= len(senses) {
			continue
		}
		return firstSentence(clean(senses[i]), maxWords)
	}
	return ""
}

func clean(s string) string {
	s = gcideNoise.ReplaceAllString(s, " ")
	s = gcideBraces.Replace(s)
	if i := strings.Index(s, " -- "); i > 0 {
		s = s[:i]
	}
	return strings.Join(strings.Fields(s), " ")
}

func firstSentence(s string, maxWords int) string {
	if i := strings.Index(s, ". "); i > 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	w := strings.Fields(s)
	if len(w) > maxWords {
		w = w[:maxWords]
	}
	return strings.Join(w, " ")
}
