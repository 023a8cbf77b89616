package vectordb

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

func TestSnapshotRoundTrip(t *testing.T) {
	db, dir := openTemp(t)
	cfg := CollectionConfig{Vectors: map[string]VectorParams{"d": {Size: 2, Distance: Cosine}}, SparseVectors: map[string]SparseVectorParams{"s": {Modifier: ModifierIDF}}}
	must(t, db.CreateCollection(bg, "c", cfg))
	must(t, errOf(db.CreateFieldIndex(bg, "c", "k", SchemaKeyword, nil, true)))
	must(t, errOf(db.Upsert(bg, "c", []PointStruct{
		{ID: num(1), Vectors: NamedVectors{"d": {Dense: []float32{1, 1}}, "s": {Sparse: &SparseVector{Indices: []uint32{3}, Values: []float32{2}}}}, Payload: Payload{"k": "a"}},
		{ID: PointID{UUID: "5c56c793-69f3-4fbf-87e6-c4bf54c28c26"}, Vectors: NamedVectors{"d": {Dense: []float32{0, 1}}}},
	}, true)))
	want := dump(t, db, "c")
	desc, err := db.CreateSnapshot(bg, "c")
	must(t, err)
	list, err := db.ListSnapshots("c")
	must(t, err)
	eq(t, len(list), 1)
	eq(t, list[0].Name, desc.Name)
	eq(t, list[0].Checksum, desc.Checksum)
	path, err := db.SnapshotPath("c", desc.Name)
	must(t, err)
	data, err := os.ReadFile(path)
	must(t, err)
	sum := sha256.Sum256(data)
	eq(t, hex.EncodeToString(sum[:]), desc.Checksum)
	eq(t, int64(len(data)), desc.Size)
	eq(t, filepath.Dir(path), filepath.Join(dir, snapshotsDir, "c"))

	// Change the collection, then recover: the snapshot state comes back.
	must(t, errOf(db.Delete(bg, "c", PointsSelector{IDs: []PointID{num(1)}}, true)))
	must(t, db.RecoverSnapshot(bg, "c", path))
	eq(t, dump(t, db, "c"), want)
	info, err := db.CollectionInfo(bg, "c")
	must(t, err)
	eq(t, info.PayloadSchema["k"].Points, 1)
	// Recover into a new name, and the recovered collection is durable.
	must(t, db.RecoverSnapshot(bg, "copy", path))
	must(t, errOf(db.Upsert(bg, "copy", []PointStruct{{ID: num(5), Vectors: NamedVectors{"d": {Dense: []float32{1, 0}}}}}, true)))
	want2 := dump(t, db, "copy")
	must(t, db.Close())
	db2, err := Open(dir, Options{})
	must(t, err)
	defer db2.Close()
	eq(t, dump(t, db2, "copy"), want2)
	eq(t, dump(t, db2, "c"), want)

	must(t, db2.DeleteSnapshot("c", desc.Name))
	_, err = db2.SnapshotPath("c", desc.Name)
	mustKind(t, err, KindNotFound)
	_, err = db2.SnapshotPath("c", "../../meta.json")
	mustKind(t, err, KindBadInput)
}

func tarOf(t testing.TB, entries map[string][]byte, order []string, typ byte) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range order {
		must(t, tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(entries[n])), Typeflag: typ}))
		must(t, errOf(tw.Write(entries[n])))
	}
	must(t, tw.Close())
	return buf.Bytes()
}

func TestRecoverRejectsBadSnapshots(t *testing.T) {
	db, _ := openTemp(t)
	must(t, db.CreateCollection(bg, "c", simpleConfig(2, Dot)))
	must(t, errOf(db.Upsert(bg, "c", []PointStruct{{ID: num(1), Vectors: dense(1, 2)}}, true)))
	desc, err := db.CreateSnapshot(bg, "c")
	must(t, err)
	path, _ := db.SnapshotPath("c", desc.Name)
	good, _ := os.ReadFile(path)
	entries := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(good))
	var order []string
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		var b bytes.Buffer
		b.ReadFrom(tr)
		entries[h.Name] = b.Bytes()
		order = append(order, h.Name)
	}
	tamper := func(name string, f func([]byte) []byte) []byte {
		e := map[string][]byte{}
		for k, v := range entries {
			e[k] = bytes.Clone(v)
		}
		e[name] = f(e[name])
		return tarOf(t, e, order, tar.TypeReg)
	}
	bad := map[string][]byte{
		"truncated":  good[:len(good)/2],
		"garbage":    []byte("not a tar at all, not at all, not at all......"),
		"checksum":   tamper(checkpointFile, func(b []byte) []byte { b[len(b)-2] ^= 1; return b }),
		"traversal":  tarOf(t, map[string][]byte{"../../evil": []byte("x")}, []string{"../../evil"}, tar.TypeReg),
		"symlink":    tarOf(t, map[string][]byte{metaFile: nil}, []string{metaFile}, tar.TypeSymlink),
		"no-entries": tarOf(t, nil, nil, tar.TypeReg),
	}
	dir := t.TempDir()
	for name, data := range bad {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name+".snapshot")
			must(t, os.WriteFile(p, data, 0o644))
			err := db.RecoverSnapshot(bg, "c", p)
			mustKind(t, err, KindBadInput)
			eq(t, len(dump(t, db, "c")), 1)
		})
	}
}
