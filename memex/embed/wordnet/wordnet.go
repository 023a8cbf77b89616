// Package wordnet reads the WordNet 3.0 database files (index.POS and
// data.POS, as installed by Debian's wordnet-base under /usr/share/wordnet)
// into memory: synsets with their words, glosses and pointers. It is used at
// build time by the GloVe table generator (retrofitting word vectors to
// WordNet relations) and by MemexFS's paraphrase tests.
//
// WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.
// Its licence (see LICENSE-WordNet beside this file) permits use, copying,
// modification and distribution with that notice and disclaimer.
package wordnet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultDir is where Debian's wordnet-base installs the database.
const DefaultDir = "/usr/share/wordnet"

// POS is a part of speech as WordNet writes it: 'n', 'v', 'a', 'r' (a
// satellite adjective 's' is stored with the adjectives).
type POS byte

// The parts of speech, in the order Open reads them.
var AllPOS = []POS{'n', 'v', 'a', 'r'}

var posFile = map[POS]string{'n': "noun", 'v': "verb", 'a': "adj", 'r': "adv"}

// Pointer is a relation from a synset to another synset.
type Pointer struct {
	Symbol string // "@" hypernym, "~" hyponym, "&" similar to, "!" antonym, …
	POS    POS
	Offset int64
}

// Synset is one meaning: the words that express it, its definition, its
// example sentences and its relations.
type Synset struct {
	POS      POS
	Offset   int64
	Words    []string // lemmas, lower-case, with spaces for WordNet's underscores
	Gloss    string   // the definition (examples removed)
	Examples []string
	Pointers []Pointer
}

// DB is a WordNet database held in memory.
type DB struct {
	index map[POS]map[string][]int64
	data  map[POS][]byte
	exc   map[POS]map[string][]string
}

// ErrNotInstalled is returned by Open when the database files are missing.
var ErrNotInstalled = errors.New("wordnet: database not installed")

// Open reads the database in dir (DefaultDir when empty).
func Open(dir string) (*DB, error) {
	if dir == "" {
		dir = DefaultDir
	}
	db := &DB{index: map[POS]map[string][]int64{}, data: map[POS][]byte{}, exc: map[POS]map[string][]string{}}
	for _, p := range AllPOS {
		name := posFile[p]
		data, err := os.ReadFile(filepath.Join(dir, "data."+name))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%w: %v", ErrNotInstalled, err)
			}
			return nil, fmt.Errorf("wordnet: %w", err)
		}
		db.data[p] = data
		idx, err := readIndex(filepath.Join(dir, "index."+name))
		if err != nil {
			return nil, err
		}
		db.index[p] = idx
		exc, err := readExc(filepath.Join(dir, name+".exc"))
		if err != nil {
			return nil, err
		}
		db.exc[p] = exc
	}
	return db, nil
}

func readIndex(path string) (map[string][]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wordnet: %w", err)
	}
	defer f.Close()
	out := map[string][]int64{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, " ") {
			continue // licence header
		}
		fs := strings.Fields(line)
		if len(fs) < 6 {
			continue
		}
		senses, err1 := strconv.Atoi(fs[2])
		ptrs, err2 := strconv.Atoi(fs[3])
		if err1 != nil || err2 != nil || len(fs) < 4+ptrs+2+senses {
			return nil, fmt.Errorf("wordnet: %s: malformed line %q", path, line)
		}
		offs := make([]int64, 0, senses)
		for _, s := range fs[4+ptrs+2 : 4+ptrs+2+senses] {
			o, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("wordnet: %s: bad offset %q", path, s)
			}
			offs = append(offs, o)
		}
		out[strings.ReplaceAll(fs[0], "_", " ")] = offs
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("wordnet: %s: %w", path, err)
	}
	return out, nil
}

func readExc(path string) (map[string][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("wordnet: %w", err)
	}
	out := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		fs := strings.Fields(line)
		if len(fs) >= 2 {
			for _, base := range fs[1:] {
				out[fs[0]] = append(out[fs[0]], strings.ReplaceAll(base, "_", " "))
			}
		}
	}
	return out, nil
}

// Lemmas calls fn with each lemma of part of speech p (in no order).
func (db *DB) Lemmas(p POS, fn func(lemma string)) {
	for l := range db.index[p] {
		fn(l)
	}
}

// Synsets returns the meanings of lemma (lower-case, spaces between words)
// as part of speech p, most frequent first. Inflected forms are looked up
// through WordNet's exception lists and regular suffix rules.
func (db *DB) Synsets(lemma string, p POS) ([]*Synset, error) {
	var out []*Synset
	for _, base := range db.baseForms(strings.ToLower(lemma), p) {
		for _, off := range db.index[p][base] {
			s, err := db.Synset(p, off)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		if len(out) > 0 {
			break
		}
	}
	return out, nil
}

var suffixRules = map[POS][][2]string{
	'n': {{"s", ""}, {"ses", "s"}, {"xes", "x"}, {"zes", "z"}, {"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"}},
	'v': {{"s", ""}, {"ies", "y"}, {"es", "e"}, {"es", ""}, {"ed", "e"}, {"ed", ""}, {"ing", "e"}, {"ing", ""}},
	'a': {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}},
}

// baseForms returns lemma itself then its candidate base forms.
func (db *DB) baseForms(lemma string, p POS) []string {
	out := []string{lemma}
	out = append(out, db.exc[p][lemma]...)
	for _, r := range suffixRules[p] {
		if stem, ok := strings.CutSuffix(lemma, r[0]); ok && stem != "" {
			out = append(out, stem+r[1])
		}
	}
	return out
}

// Synset reads the synset at offset off of part of speech p.
func (db *DB) Synset(p POS, off int64) (*Synset, error) {
	if p == 's' {
		p = 'a'
	}
	data := db.data[p]
	if off < 0 || off >= int64(len(data)) {
		return nil, fmt.Errorf("wordnet: %c offset %d out of range", p, off)
	}
	line := data[off:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	head, gloss, _ := strings.Cut(string(line), " | ")
	fs := strings.Fields(head)
	bad := func(what string) error {
		return fmt.Errorf("wordnet: %c synset %d: malformed %s", p, off, what)
	}
	if len(fs) < 4 {
		return nil, bad("header")
	}
	if o, err := strconv.ParseInt(fs[0], 10, 64); err != nil || o != off {
		return nil, bad("offset")
	}
	s := &Synset{POS: p, Offset: off}
	wc, err := strconv.ParseInt(fs[3], 16, 32)
	if err != nil || len(fs) < 4+2*int(wc)+1 {
		return nil, bad("word count")
	}
	for i := 0; i < int(wc); i++ {
		w := strings.ToLower(fs[4+2*i])
		if j := strings.IndexByte(w, '('); j > 0 { // adjective markers: "(a)", "(p)"
			w = w[:j]
		}
		s.Words = append(s.Words, strings.ReplaceAll(w, "_", " "))
	}
	k := 4 + 2*int(wc)
	pc, err := strconv.Atoi(fs[k])
	if err != nil || len(fs) < k+1+4*pc {
		return nil, bad("pointer count")
	}
	for i := 0; i < pc; i++ {
		f := fs[k+1+4*i:]
		o, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || len(f[2]) != 1 {
			return nil, bad("pointer")
		}
		s.Pointers = append(s.Pointers, Pointer{Symbol: f[0], Offset: o, POS: POS(f[2][0])})
	}
	s.Gloss, s.Examples = splitGloss(strings.TrimSpace(gloss))
	return s, nil
}

// splitGloss separates a gloss's definition from its quoted examples.
func splitGloss(g string) (string, []string) {
	var def []string
	var ex []string
	for _, part := range strings.Split(g, ";") {
		part = strings.TrimSpace(part)
		if strings.HasPrefix(part, "\"") {
			ex = append(ex, strings.Trim(part, "\" "))
			continue
		}
		if part != "" && len(ex) == 0 {
			def = append(def, part)
		}
	}
	return strings.Join(def, "; "), ex
}

// Related returns the synsets that s points to with any of the symbols.
func (db *DB) Related(s *Synset, symbols ...string) ([]*Synset, error) {
	var out []*Synset
	for _, ptr := range s.Pointers {
		for _, sym := range symbols {
			if ptr.Symbol == sym {
				r, err := db.Synset(ptr.POS, ptr.Offset)
				if err != nil {
					return nil, err
				}
				out = append(out, r)
				break
			}
		}
	}
	return out, nil
}
