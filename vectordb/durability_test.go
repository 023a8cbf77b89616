package vectordb

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"nexusos/vectordb/internal/recordio"
)

// dump returns every point of a collection with payload and vectors.
func dump(t testing.TB, db *DB, coll string) []Record {
	t.Helper()
	res, err := db.Scroll(bg, coll, ScrollRequest{Limit: 1 << 20, WithPayload: PayloadSelector{All: true}, WithVector: VectorSelector{All: true}})
	must(t, err)
	return res.Points
}

// randomOp applies one random update and reports whether it succeeded.
func randomOp(t testing.TB, db *DB, r *rand.Rand, coll string) error {
	id := num(uint64(r.Intn(20)))
	sel := PointsSelector{IDs: []PointID{id}}
	var err error
	switch r.Intn(6) {
	case 0, 1:
		_, err = db.Upsert(bg, coll, []PointStruct{{ID: id, Vectors: dense(r.Float32(), r.Float32()),
			Payload: Payload{"k": float64(r.Intn(5)), "s": fmt.Sprint("v", r.Intn(3))}}}, true)
	case 2:
		_, err = db.Delete(bg, coll, sel, true)
	case 3:
		_, err = db.SetPayload(bg, coll, Payload{"x": r.Float64()}, sel, "", true)
	case 4:
		_, err = db.Delete(bg, coll, PointsSelector{Filter: &Filter{Must: []Condition{{Field: &FieldCondition{Key: "k", Match: &Match{Value: int64(r.Intn(5))}}}}}}, true)
	case 5:
		_, err = db.DeletePayload(bg, coll, []string{"s"}, sel, true)
	}
	if KindOf(err) == KindNotFound {
		return nil
	}
	return err
}

// crashImage copies dir, the directory of the open db, to dst as a crash
// at one instant would leave it: every collection's writer lock is held
// and its background checkpoints have ended while the files are copied,
// so no checkpoint, log rotation or index file is half done. copyDir alone
// reads file by file; during a checkpoint it can take the old checkpoint
// (or none) and then find the log segments that the new one made
// redundant already removed, a state no crash produces (the engine writes
// the checkpoint before it removes them), and the image lacks points.
func crashImage(t testing.TB, db *DB, dir, dst string) {
	t.Helper()
	db.mu.RLock()
	cs := make([]*collection, 0, len(db.collections))
	for _, c := range db.collections {
		cs = append(cs, c)
	}
	db.mu.RUnlock()
	for _, c := range cs {
		c.wmu.Lock()
		c.ckptWG.Wait()
	}
	defer func() {
		for _, c := range cs {
			c.wmu.Unlock()
		}
	}()
	copyDir(t, dir, dst)
}

func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	must(t, filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	}))
}

func walSegment(t testing.TB, dir, coll string) string {
	t.Helper()
	names, _, err := listSegments(osFS{}, filepath.Join(dir, collectionsDir, coll, walDir))
	must(t, err)
	if len(names) != 1 {
		t.Fatalf("want one segment, got %v", names)
	}
	return names[0]
}

// TestWALTruncatedAnywhere cuts the log of a crashed database at many
// offsets: each reopen must show exactly the ops whose records are whole.
func TestWALTruncatedAnywhere(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{CheckpointBytes: -1, Logger: quiet})
	must(t, err)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	must(t, errOf(db.CreateFieldIndex(bg, "c", "k", SchemaInteger, nil, true)))
	r := rand.New(rand.NewSource(1))
	seg := walSegment(t, dir, "c")
	states := [][]Record{dump(t, db, "c")}
	sizes := []int64{0}
	for i := 0; i < 40; i++ {
		must(t, randomOp(t, db, r, "c"))
		st, err := os.Stat(seg)
		must(t, err)
		if st.Size() != sizes[len(sizes)-1] {
			sizes = append(sizes, st.Size())
			states = append(states, dump(t, db, "c"))
		}
	}
	crashed := t.TempDir()
	copyDir(t, dir, crashed) // the database is still open: a crash image
	db.Close()
	data, err := os.ReadFile(filepath.Join(crashed, strings.TrimPrefix(seg, dir)))
	must(t, err)
	eq(t, int64(len(data)), sizes[len(sizes)-1])
	segCopy := filepath.Join(crashed, strings.TrimPrefix(seg, dir))
	cuts := []int{len(data)}
	for i, sz := range sizes {
		if i%3 == 0 {
			cuts = append(cuts, int(sz), int(sz)+1, int(sz)-1)
		}
	}
	for i := 0; i < 20; i++ {
		cuts = append(cuts, r.Intn(len(data)))
	}
	for trialNo, cut := range cuts {
		if cut < 0 || cut > len(data) {
			continue
		}
		must(t, os.WriteFile(segCopy, data[:cut], 0o644))
		k := 0
		for k+1 < len(sizes) && sizes[k+1] <= int64(cut) {
			k++
		}
		trial := t.TempDir()
		copyDir(t, crashed, trial)
		db2, err := Open(trial, Options{CheckpointBytes: -1, Logger: quiet})
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		eq(t, dump(t, db2, "c"), states[k])
		if trialNo%4 != 0 {
			db2.Close()
			continue
		}
		// The reopened log accepts new writes after the cut.
		must(t, errOf(db2.Upsert(bg, "c", []PointStruct{{ID: num(999), Vectors: dense(1, 1)}}, true)))
		must(t, db2.Close())
		db3, err := Open(trial, Options{Logger: quiet})
		must(t, err)
		n, _ := db3.Count(bg, "c", nil)
		eq(t, n, len(states[k])+1)
		db3.Close()
	}
}

func TestWALCorruptionInTheMiddle(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{CheckpointBytes: -1, Logger: quiet})
	must(t, err)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	for i := 0; i < 5; i++ {
		must(t, errOf(db.Upsert(bg, "c", []PointStruct{{ID: num(uint64(i)), Vectors: dense(1, 2)}}, true)))
	}
	seg := walSegment(t, dir, "c")
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	db.Close()
	segCopy := filepath.Join(crashed, strings.TrimPrefix(seg, dir))
	data, _ := os.ReadFile(segCopy)
	data[recordio.HeaderSize+3] ^= 0xff // inside the first record's body
	must(t, os.WriteFile(segCopy, data, 0o644))
	_, err = Open(crashed, Options{Logger: quiet})
	if !errors.Is(err, ErrCorruptWAL) {
		t.Fatalf("want ErrCorruptWAL, got %v", err)
	}
}

// TestCheckpoints forces many checkpoints and checks reopen sees the same
// state, with the old log segments gone.
func TestCheckpoints(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{CheckpointBytes: 1500})
	must(t, err)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 300; i++ {
		must(t, randomOp(t, db, r, "c"))
	}
	want := dump(t, db, "c")
	db.bg.Wait()
	names, _, err := listSegments(osFS{}, filepath.Join(dir, collectionsDir, "c", walDir))
	must(t, err)
	if len(names) > 2 {
		t.Fatalf("checkpoints left %d log segments", len(names))
	}
	// Crash image (no Close): checkpoint plus log tail.
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	must(t, db.Close())
	for _, d := range []string{dir, crashed} {
		db2, err := Open(d, Options{Logger: quiet})
		must(t, err)
		eq(t, dump(t, db2, "c"), want)
		db2.Close()
	}
}

// TestInjectedIOErrors fails log writes and syncs: the failing request gets
// KindInternal and changes nothing; every acknowledged write survives.
func TestInjectedIOErrors(t *testing.T) {
	for _, failOp := range []string{"write", "sync"} {
		t.Run(failOp, func(t *testing.T) {
			dir := t.TempDir()
			fs := &errFS{}
			db, err := Open(dir, Options{fs: fs, CheckpointBytes: -1, Logger: quiet})
			must(t, err)
			must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
			r := rand.New(rand.NewSource(3))
			failed := 0
			for i := 0; i < 60; i++ {
				fail := i%4 == 1
				if fail {
					fs.setInject(func(op, name string) error {
						if op == failOp && strings.HasSuffix(name, ".log") {
							return errInjected
						}
						return nil
					})
				}
				before := dump(t, db, "c")
				err := randomOp(t, db, r, "c")
				fs.setInject(nil)
				if fail && err != nil {
					failed++
					mustKind(t, err, KindInternal)
					if !errors.Is(err, errInjected) {
						t.Fatalf("error does not wrap the cause: %v", err)
					}
					eq(t, dump(t, db, "c"), before)
				} else {
					must(t, err)
				}
			}
			if failed == 0 {
				t.Fatal("no request failed")
			}
			want := dump(t, db, "c")
			crashed := t.TempDir()
			copyDir(t, dir, crashed)
			db.Close()
			db2, err := Open(crashed, Options{Logger: quiet})
			must(t, err)
			eq(t, dump(t, db2, "c"), want)
			db2.Close()
		})
	}
}

// TestMetadataIOErrors: failing metadata writes leave config unchanged.
func TestMetadataIOErrors(t *testing.T) {
	dir := t.TempDir()
	fs := &errFS{}
	db, err := Open(dir, Options{fs: fs})
	must(t, err)
	defer db.Close()
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	fs.setInject(func(op, name string) error {
		if op == "rename" {
			return errInjected
		}
		return nil
	})
	mustKind(t, db.CreateCollection(bg, "d", simpleConfig(2, Dot)), KindInternal)
	mustKind(t, errOf(db.CreateFieldIndex(bg, "c", "k", SchemaKeyword, nil, true)), KindInternal)
	mustKind(t, db.UpdateAliases(bg, []AliasOp{{Create: &Alias{Alias: "a", Collection: "c"}}}), KindInternal)
	fs.setInject(nil)
	eq(t, db.Collections(), []string{"c"})
	info, _ := db.CollectionInfo(bg, "c")
	eq(t, len(info.PayloadSchema), 0)
	eq(t, exists(t, db, "a"), false)
	ents, _ := os.ReadDir(filepath.Join(dir, collectionsDir))
	eq(t, len(ents), 1)
}

// TestCrashImageDuringWrites copies the data directory while writers run;
// every write acknowledged before the copy started must be in the copy.
func TestCrashImageDuringWrites(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{CheckpointBytes: -1, Logger: quiet})
	must(t, err)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	var mu sync.Mutex
	acked := map[uint64]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := uint64(w*1_000_000 + i)
				if _, err := db.Upsert(bg, "c", []PointStruct{{ID: num(id), Vectors: dense(1, 2)}}, true); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked[id] = true
				mu.Unlock()
			}
		}(w)
	}
	for len(snapshotAcked(&mu, acked)) < 50 {
		must(t, errOf(db.Count(bg, "c", nil)))
	}
	before := snapshotAcked(&mu, acked)
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	close(stop)
	wg.Wait()
	db.Close()
	db2, err := Open(crashed, Options{Logger: quiet})
	must(t, err)
	defer db2.Close()
	for id := range before {
		recs, err := db2.Get(bg, "c", []PointID{num(id)}, PayloadSelector{}, VectorSelector{})
		must(t, err)
		if len(recs) != 1 {
			t.Fatalf("acknowledged point %d lost", id)
		}
	}
}

func snapshotAcked(mu *sync.Mutex, m map[uint64]bool) map[uint64]bool {
	mu.Lock()
	defer mu.Unlock()
	out := make(map[uint64]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestReadsDuringFsync: while a write waits for its fsync, searches run
// and do not see it; after the fsync it is visible.
func TestReadsDuringFsync(t *testing.T) {
	fs := &errFS{}
	db, err := Open(t.TempDir(), Options{fs: fs, Logger: quiet})
	must(t, err)
	defer db.Close()
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	fs.setInject(func(op, name string) error {
		if op == "sync" && strings.HasSuffix(name, ".log") {
			once.Do(func() { close(entered); <-release })
		}
		return nil
	})
	done := make(chan error)
	go func() {
		_, err := db.Upsert(bg, "c", []PointStruct{{ID: num(1), Vectors: dense(1, 1)}}, true)
		done <- err
	}()
	<-entered
	res, err := db.Query(bg, "c", QueryRequest{Query: near(1, 0)})
	must(t, err)
	eq(t, len(res), 0) // not durable yet, so not visible
	close(release)
	must(t, <-done)
	fs.setInject(nil)
	res, err = db.Query(bg, "c", QueryRequest{Query: near(1, 0)})
	must(t, err)
	eq(t, len(res), 1)
}
