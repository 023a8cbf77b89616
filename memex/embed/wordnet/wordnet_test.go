package wordnet

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// openOrSkip opens the installed database; in CI (CI=true) a missing
// database fails the test, elsewhere it skips with the install hint.
func openOrSkip(t *testing.T) *DB {
	t.Helper()
	db, err := Open("")
	if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skipf("WordNet not installed (apt-get install wordnet-base, or .ci/deps.d/45-wordnet.sh): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestSynsets(t *testing.T) {
	db := openOrSkip(t)
	ss, err := db.Synsets("mitochondria", 'n')
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) == 0 || !strings.Contains(ss[0].Gloss, "organelle containing enzymes") {
		t.Fatalf("mitochondria: %+v", ss)
	}
	hyp, err := db.Related(ss[0], "@")
	if err != nil || len(hyp) == 0 || hyp[0].Words[0] != "organelle" {
		t.Fatalf("hypernym of mitochondrion: %+v %v", hyp, err)
	}
	ss, err = db.Synsets("running", 'v')
	if err != nil || len(ss) == 0 || ss[0].Words[0] != "run" {
		t.Fatalf("running: %+v %v", ss, err)
	}
	ss, err = db.Synsets("big", 'a')
	if err != nil || len(ss) == 0 {
		t.Fatalf("big: %v", err)
	}
	if _, err := db.Synset('n', 3); err == nil {
		t.Fatal("want an error for an offset inside the licence header")
	}
}
