package vectordb

import (
	"bytes"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"nexusos/vectordb/internal/recordio"
)

// validLog builds a log of n ops as an update sequence would write it.
func validLog(t testing.TB, n int, seed int64) []byte {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	var buf []byte
	for i := 1; i <= n; i++ {
		o := &op{Seq: uint64(i)}
		switch r.Intn(3) {
		case 0:
			o.Kind = opUpsert
			o.Points = []PointStruct{{ID: num(uint64(r.Intn(10))), Vectors: dense(r.Float32(), r.Float32()), Payload: Payload{"a": float64(r.Intn(3))}}}
		case 1:
			o.Kind = opDelete
			o.IDs = []PointID{num(uint64(r.Intn(10)))}
		case 2:
			o.Kind = opSetPayload
			o.IDs = []PointID{num(uint64(r.Intn(10)))}
			o.Payload = Payload{"b": "x"}
		}
		body, err := encodeOp(o)
		must(t, err)
		buf = recordio.Append(buf, body)
	}
	return buf
}

func FuzzWALReplay(f *testing.F) {
	good := validLog(f, 8, 1)
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte{})
	f.Add([]byte("garbage that is not a log"))
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x40
	f.Add(flipped)
	zeros := append(bytes.Clone(good), make([]byte, 64)...)
	f.Add(zeros)
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, valid, err := replayLog(data)
		if valid < 0 || valid > len(data) {
			t.Fatalf("valid prefix %d outside [0, %d]", valid, len(data))
		}
		if err != nil && !errors.Is(err, ErrCorruptWAL) {
			t.Fatalf("unexpected error %v", err)
		}
		// The valid prefix re-frames to exactly the same bytes, op by op.
		r := recordio.NewReader(data[:valid])
		var reframed []byte
		for i := 0; ; i++ {
			body, rerr := r.Next()
			if rerr != nil {
				break
			}
			if i >= len(ops) {
				t.Fatalf("more records than ops")
			}
			o, derr := decodeOp(body)
			if derr != nil {
				t.Fatalf("record %d of the valid prefix does not decode: %v", i, derr)
			}
			if o.Seq != ops[i].Seq || o.Kind != ops[i].Kind {
				t.Fatalf("op %d differs", i)
			}
			reframed = recordio.Append(reframed, body)
		}
		if !bytes.Equal(reframed, data[:valid]) {
			t.Fatalf("valid prefix does not re-frame identically")
		}
		// Replaying into a collection (what Open does after reading the
		// files) never panics.
		c := newCollection("c", "", simpleConfig(2, Dot), nil)
		for _, o := range ops {
			if o.Seq != c.lastSeq+1 || c.validateReplayed(o) != nil {
				return
			}
			c.apply(o)
		}
	})
}

// openWithLog opens a database whose only collection has data as its log.
func openWithLog(t testing.TB, data []byte) (*DB, error) {
	dir := t.TempDir()
	cdir := filepath.Join(dir, collectionsDir, "c")
	must(t, os.MkdirAll(filepath.Join(cdir, walDir), 0o755))
	must(t, os.WriteFile(filepath.Join(cdir, metaFile), []byte(`{"config":{"Vectors":{"":{"Size":2,"Distance":"Dot"}}}}`), 0o644))
	must(t, os.WriteFile(segmentName(filepath.Join(cdir, walDir), 1), data, 0o644))
	return Open(dir, Options{Logger: quiet, fs: noSyncFS{}})
}

// TestOpenMutatedLogs opens databases whose logs are mutated valid logs:
// Open either reports corruption or holds exactly the replayed prefix.
func TestOpenMutatedLogs(t *testing.T) {
	good := validLog(t, 12, 5)
	r := rand.New(rand.NewSource(11))
	for i := 0; i < 60; i++ {
		data := bytes.Clone(good)
		switch i % 3 {
		case 0:
			data = data[:r.Intn(len(data)+1)]
		case 1:
			data[r.Intn(len(data))] ^= byte(1 + r.Intn(255))
		case 2:
			data = append(data, byte(r.Intn(256)), 0, 0, 0)
		}
		ops, _, rerr := replayLog(data)
		db, err := openWithLog(t, data)
		if rerr != nil {
			if !errors.Is(err, ErrCorruptWAL) {
				t.Fatalf("mutation %d: replay says %v, Open says %v", i, rerr, err)
			}
			continue
		}
		must(t, err)
		want := newCollection("c", "", simpleConfig(2, Dot), nil)
		for _, o := range ops {
			want.apply(o)
		}
		n, _ := db.Count(bg, "c", nil)
		eq(t, n, len(want.points))
		db.Close()
	}
}

func TestWALRecordRoundTrip(t *testing.T) {
	data := validLog(t, 50, 9)
	ops, valid, err := replayLog(data)
	must(t, err)
	eq(t, valid, len(data))
	eq(t, len(ops), 50)
	for i, o := range ops {
		eq(t, o.Seq, uint64(i+1))
	}
}
