package hnswbench

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"nexusos/vectordb/distance"
	"nexusos/vectordb/hnsw"
)

// Split is a benchmark data set: unit-normalised base vectors (in a Flat,
// ready to index) and held-out queries.
type Split struct {
	Base    *hnsw.Flat
	Queries *Vectors
	Seed    uint64
}

// MakeSplit drops zero vectors from all, normalises the rest, shuffles
// them with a PCG seeded by seed, and takes the first nQueries as queries
// and the next nBase as the base set. The split depends only on the data
// and seed.
func MakeSplit(all *Vectors, nBase, nQueries int, seed uint64) (*Split, error) {
	var keep []int
	for i := range all.Len() {
		if distance.Dot(all.Row(i), all.Row(i)) > 0 {
			keep = append(keep, i)
		}
	}
	if nBase <= 0 || nQueries <= 0 || nBase+nQueries > len(keep) {
		return nil, fmt.Errorf("split %d base + %d queries from %d non-zero vectors", nBase, nQueries, len(keep))
	}
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	r.Shuffle(len(keep), func(i, j int) { keep[i], keep[j] = keep[j], keep[i] })
	s := &Split{Base: hnsw.NewFlat(all.Dim), Queries: &Vectors{Dim: all.Dim}, Seed: seed}
	v := make([]float32, all.Dim)
	for _, i := range keep[:nQueries] {
		copy(v, all.Row(i))
		distance.Normalize(v)
		s.Queries.Data = append(s.Queries.Data, v...)
	}
	for _, i := range keep[nQueries : nQueries+nBase] {
		copy(v, all.Row(i))
		distance.Normalize(v)
		s.Base.Append(v)
	}
	return s, nil
}

// GroundTruth holds, per query, the ids of the exact k nearest base
// vectors, best first.
type GroundTruth struct {
	K   int
	IDs []uint32 // queries*K
}

// Row returns the true neighbours of query i.
func (g *GroundTruth) Row(i int) []uint32 { return g.IDs[i*g.K : (i+1)*g.K] }

// ExactSearch computes ground truth by brute force (by inner product, on
// all cores).
func ExactSearch(ctx context.Context, base *hnsw.Flat, queries *Vectors, k int) (*GroundTruth, error) {
	g, err := exactTopK(ctx, queries, k, base.Len(), func(j int) uint32 { return uint32(j) }, base.At)
	if err != nil {
		return nil, fmt.Errorf("exact search: %w", err)
	}
	return g, nil
}

// exactTopK returns, for every query, the k candidates with the largest
// inner product, best first: n candidates, the j-th with id idAt(j) and
// vector vec(id). Queries are spread over all cores.
func exactTopK(ctx context.Context, queries *Vectors, k, n int, idAt func(j int) uint32, vec func(id uint32) []float32) (*GroundTruth, error) {
	k = min(k, n)
	g := &GroundTruth{K: k, IDs: make([]uint32, queries.Len()*k)}
	if k == 0 {
		return g, nil
	}
	type hit struct {
		d  float32
		id uint32
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			top := make([]hit, 0, k+1)
			for qi := range next {
				q := queries.Row(qi)
				top = top[:0]
				for j := range n {
					id := idAt(j)
					d := -distance.Dot(q, vec(id))
					if len(top) == k && d >= top[k-1].d {
						continue
					}
					i, _ := slices.BinarySearchFunc(top, d, func(h hit, d float32) int {
						if h.d <= d {
							return -1
						}
						return 1
					})
					top = slices.Insert(top, i, hit{d, id})
					if len(top) > k {
						top = top[:k]
					}
				}
				for i, h := range top {
					g.IDs[qi*k+i] = h.id
				}
			}
		}()
	}
	var err error
loop:
	for qi := range queries.Len() {
		select {
		case next <- qi:
		case <-ctx.Done():
			err = ctx.Err()
			break loop
		}
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return g, nil
}

var gtMagic = [8]byte{'N', 'X', 'G', 'T', 0, 0, 0, 1}

// CachedGroundTruth loads ground truth for this split from cacheDir or
// computes and stores it. The file name encodes the split's shape and
// seed.
func CachedGroundTruth(ctx context.Context, cacheDir string, s *Split, k int) (*GroundTruth, error) {
	name := filepath.Join(cacheDir, fmt.Sprintf("gt-n%d-q%d-s%d-k%d.bin", s.Base.Len(), s.Queries.Len(), s.Seed, k))
	if f, err := os.Open(name); err == nil {
		defer f.Close()
		g, err := readGroundTruth(f, s.Queries.Len(), k, s.Base.Len())
		if err == nil {
			return g, nil
		}
		// A bad cache file is recomputed.
	}
	g, err := ExactSearch(ctx, s.Base, s.Queries, k)
	if err != nil {
		return nil, err
	}
	err = writeFileAtomic(name, func(w io.Writer) error { return writeGroundTruth(w, g) })
	return g, err
}

func writeGroundTruth(w io.Writer, g *GroundTruth) error {
	bw := bufio.NewWriter(w)
	bw.Write(gtMagic[:])
	binary.Write(bw, binary.LittleEndian, [2]uint32{uint32(len(g.IDs) / max(g.K, 1)), uint32(g.K)})
	binary.Write(bw, binary.LittleEndian, g.IDs)
	return bw.Flush()
}

func readGroundTruth(r io.Reader, nq, k, nBase int) (*GroundTruth, error) {
	br := bufio.NewReader(r)
	var magic [8]byte
	var shape [2]uint32
	if _, err := io.ReadFull(br, magic[:]); err != nil || magic != gtMagic {
		return nil, errors.New("ground truth: bad magic")
	}
	if err := binary.Read(br, binary.LittleEndian, &shape); err != nil {
		return nil, err
	}
	if int(shape[0]) != nq || int(shape[1]) != min(k, nBase) {
		return nil, errors.New("ground truth: shape mismatch")
	}
	g := &GroundTruth{K: int(shape[1]), IDs: make([]uint32, nq*int(shape[1]))}
	if err := binary.Read(br, binary.LittleEndian, g.IDs); err != nil {
		return nil, err
	}
	for _, id := range g.IDs {
		if int(id) >= nBase {
			return nil, errors.New("ground truth: id out of range")
		}
	}
	return g, nil
}
