package vectordb

import (
	"encoding/json"
	"math/rand"
	"runtime"
	"testing"
)

// TestOnDiskVectors: with on_disk: true and scalar quantization with
// always_ram: true, the originals of a collection live in a mapped file
// while the int8 codes the graph traverses stay in memory; with
// always_ram: false the codes are mapped from a file too; searches
// rescore from the mapping at the recall of an in-memory collection, and
// after a reopen the vectors and codes are mapped again and answer the
// same. CollectionInfo.Mapped reports what is mapped. Without on_disk
// they stay in memory.
func TestOnDiskVectors(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mapped vectors need Linux")
	}
	const n, dim, k = 3000, 32, 10
	dir := t.TempDir()
	db, err := Open(dir, Options{Logger: quiet})
	must(t, err)
	defer func() { db.Close() }()
	r := rand.New(rand.NewSource(5))
	var pts []PointStruct
	for i := range n {
		pts = append(pts, PointStruct{ID: num(uint64(i)), Vectors: dense(randVec(r, dim)...)})
	}
	for _, name := range []string{"disk", "ram", "codes"} {
		cfg := simpleConfig(dim, Cosine)
		cfg.HNSW = HNSWConfig{M: 16, EfConstruct: 64, FullScanThreshold: 1}
		cfg.Quantization = json.RawMessage(int8Config)
		if name == "codes" {
			cfg.Quantization = json.RawMessage(`{"scalar": {"type": "int8", "always_ram": false}}`)
		}
		p := cfg.Vectors[DefaultVector]
		p.OnDisk = name != "ram"
		cfg.Vectors[DefaultVector] = p
		must(t, db.CreateCollection(bg, name, cfg))
		must(t, errOf(db.Upsert(bg, name, pts, true)))
		waitIndexed(t, db, name)
	}
	queries := make([][]float32, 40)
	for i := range queries {
		queries[i] = randVec(r, dim)
	}
	params := &SearchParams{HnswEf: 64, Quantization: &QuantizationSearchParams{Oversampling: 2}}
	check := func(stage string) {
		t.Helper()
		disk, err := db.collection("disk")
		must(t, err)
		ram, err := db.collection("ram")
		must(t, err)
		d, m := disk.dense[DefaultVector], ram.dense[DefaultVector]
		if got := d.onDiskBytes(); got < int64(4*dim*n) {
			t.Fatalf("%s: %d bytes of on_disk vectors mapped, want >= %d", stage, got, 4*dim*n)
		}
		if got := m.onDiskBytes(); got != 0 {
			t.Fatalf("%s: %d bytes of in-memory vectors mapped", stage, got)
		}
		if qz := d.quant.Load(); qz == nil || qz.Len() != n || qz.MappedBytes() != 0 {
			t.Fatalf("%s: int8 codes %v, want %d in memory", stage, qz, n)
		}
		codes, err := db.collection("codes")
		must(t, err)
		if qz := codes.dense[DefaultVector].quant.Load(); qz == nil || qz.Len() != n || qz.MappedBytes() != qz.Bytes() {
			t.Fatalf("%s: int8 codes %v, want %d mapped", stage, qz, n)
		}
		// Codes have a record of at least dim bytes per vector.
		for name, want := range map[string]bool{"disk": false, "ram": false, "codes": true} {
			info, err := db.CollectionInfo(bg, name)
			must(t, err)
			m, ok := info.Mapped[DefaultVector]
			if ok != (name != "ram") || (name != "ram" && m.Vectors < int64(4*dim*n)) || (m.Codes >= int64(dim*n)) != want {
				t.Fatalf("%s: %s: mapped storage %+v (reported: %v)", stage, name, m, ok)
			}
		}
		diskRec := quantRecall(t, db, "disk", queries, k, params)
		ramRec := quantRecall(t, db, "ram", queries, k, params)
		codesRec := quantRecall(t, db, "codes", queries, k, params)
		if diskRec < 0.9 || diskRec < ramRec-0.02 || codesRec < ramRec-0.02 {
			t.Fatalf("%s: recall@%d %.3f on_disk, %.3f with mapped codes, %.3f in memory", stage, k, diskRec, codesRec, ramRec)
		}
		// The scores come from the mapped originals: exact search agrees
		// with the in-memory copy to the last bit.
		for _, q := range queries[:5] {
			a, err := db.Query(bg, "disk", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: q}}, Limit: k, Params: &SearchParams{Exact: true}})
			must(t, err)
			b, err := db.Query(bg, "ram", QueryRequest{Query: &Query{Nearest: &VectorInput{Dense: q}}, Limit: k, Params: &SearchParams{Exact: true}})
			must(t, err)
			for i := range a {
				if a[i].ID != b[i].ID || a[i].Score != b[i].Score {
					t.Fatalf("%s: exact hit %d: %v %v on_disk, %v %v in memory", stage, i, a[i].ID, a[i].Score, b[i].ID, b[i].Score)
				}
			}
		}
	}
	check("created")
	must(t, db.Close())
	db, err = Open(dir, Options{Logger: quiet})
	must(t, err)
	waitIndexed(t, db, "disk")
	waitIndexed(t, db, "ram")
	waitIndexed(t, db, "codes")
	check("reopened")
}

// TestMappedCodesReclaimed: the int8 codes of an on_disk vector are
// mapped from a file; as the collection doubles, the range is
// recalibrated and new codes replace the old, whose file space is given
// back after their last reader, so the file holds about the live codes
// only; searches use the new codes at the recall of the old. Dropping the
// quantization gives the rest back.
func TestMappedCodesReclaimed(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mapped codes need Linux")
	}
	const dim, k = 32, 10
	db, _ := openTemp(t)
	cfg := simpleConfig(dim, Euclid)
	cfg.HNSW = HNSWConfig{M: 16, EfConstruct: 64, FullScanThreshold: 1}
	cfg.Quantization = json.RawMessage(`{"scalar": {"type": "int8", "always_ram": false}}`)
	p := cfg.Vectors[DefaultVector]
	p.OnDisk = true
	cfg.Vectors[DefaultVector] = p
	must(t, db.CreateCollection(bg, "c", cfg))
	c, err := db.collection("c")
	must(t, err)
	d := c.dense[DefaultVector]
	r := rand.New(rand.NewSource(9))
	queries := make([][]float32, 30)
	for i := range queries {
		queries[i] = randVec(r, dim)
	}
	params := &SearchParams{HnswEf: 64, Quantization: &QuantizationSearchParams{Oversampling: 2}}
	n, written, calibrations := 0, int64(0), map[int]bool{}
	for _, batch := range []int{1000, 1000, 2000, 4000} {
		var pts []PointStruct
		for range batch {
			pts = append(pts, PointStruct{ID: num(uint64(n)), Vectors: dense(randVec(r, dim)...)})
			n++
		}
		must(t, errOf(db.Upsert(bg, "c", pts, true)))
		waitIndexed(t, db, "c")
		qz := d.quant.Load()
		if qz == nil || qz.Len() != n || qz.MappedBytes() != qz.Bytes() || d.codes == nil {
			t.Fatalf("%d points: codes %v, want %d mapped", n, qz, n)
		}
		if !calibrations[qz.Calibrated()] {
			calibrations[qz.Calibrated()] = true
			written += qz.MappedBytes()
		}
		// Replaced codes are freed once their last reader is done: the
		// file holds no more than the live codes.
		if disk := d.codes.DiskBytes(); disk > qz.MappedBytes() {
			t.Fatalf("%d points: code file occupies %d bytes, the live codes %d (%d written over %d ranges)", n, disk, qz.MappedBytes(), written, len(calibrations))
		}
		if rec := quantRecall(t, db, "c", queries, k, params); rec < 0.9 {
			t.Fatalf("%d points: recall@%d %.3f with the recalibrated codes", n, k, rec)
		}
	}
	if len(calibrations) < 3 {
		t.Fatalf("the range was calibrated %d times, want the growth to recalibrate it", len(calibrations))
	}
	must(t, db.UpdateCollection(bg, "c", CollectionUpdate{Quantization: json.RawMessage("null")}))
	if disk := d.codes.DiskBytes(); disk != 0 {
		t.Fatalf("code file occupies %d bytes after the quantization was dropped", disk)
	}
}
