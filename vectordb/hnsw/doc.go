// Package hnsw is the approximate nearest-neighbour index of the vector
// engine: a Hierarchical Navigable Small World graph (Malkov and Yashunin,
// "Efficient and robust approximate nearest neighbor search using
// Hierarchical Navigable Small World graphs", 2016/2018) over vectors held
// in a Flat store.
//
// The index stores only the graph: vectors stay in the Flat and are
// addressed by their dense uint32 ids. Layer 0 keeps, per node, a
// fixed-capacity array of 2*M neighbour ids in large chunks; the few nodes
// on upper layers keep M ids per layer in a separate chunked store.
// Neighbours are chosen with the paper's heuristic (algorithm 4), which
// keeps the graph navigable on clustered data. Distances to the
// neighbours of a node are computed in one batch that prefetches the
// vectors (distance.DotBatch), the next hop's neighbour list is
// prefetched a hop early, the visited set is a bitmap (a million nodes in
// 128 KB) whose set words alone are cleared between searches, and the
// chunks of large stores (vectors, links, int8 codes) are carved from
// blocks advised to use transparent huge pages (Linux), because a search
// is bound by random memory accesses, not by arithmetic.
//
// A typical build and query:
//
//	vecs := hnsw.NewFlat(100)
//	idx := hnsw.New(hnsw.Config{M: 16, EfConstruct: 100, Metric: hnsw.Dot}, vecs)
//	for _, v := range data {
//		idx.Insert(vecs.Append(v))
//	}
//	top := idx.Search(q, 10, 64, nil)
//
// # Quantization
//
// Quantized holds int8 scalar codes of a Flat's vectors (Calibrate,
// Quantize); SearchQuantized traverses the graph with them, scoring with
// the int8 kernel distance.DotU8I8, and callers rescore its results with
// the float vectors. Binary holds binary codes (one, one and a half or
// two bits per element, as Qdrant's binary quantization; NewBinary,
// Quantize); SearchBinary traverses with them, scoring by XOR and popcount
// (distance.XorPopcntBatch). Product holds product codes (one byte per
// sub-vector, the nearest of 256 k-means centroids, as Qdrant's product
// quantization; NewProduct, Quantize); SearchProduct traverses with them,
// scoring by per-query lookup tables (distance.LookupSumBatch). A graph
// is built from the floats (Insert), or from int8 codes
// (InsertQuantized): its neighbour searches and its neighbour selection
// then compare codes, which are a quarter of the bytes.
//
// # Concurrency
//
// An Index is safe for concurrent use: Insert may be called from many
// goroutines at once (so a build can use every core), concurrently with
// Search, Delete and WriteTo. Links are read and written with atomic
// operations, and writers hold a per-node lock while they rewrite a
// node's neighbour list. The Flat must not be appended to by more than one
// goroutine at a time (see Flat).
package hnsw
