package hnsw

import (
	"math"
	"math/rand/v2"
	"testing"
)

// dequantize returns the vector that codes c over (mid, step) stand for.
func dequantize(c []int32, mid, step float64) []float64 {
	out := make([]float64, len(c))
	for i, k := range c {
		out[i] = mid + step*float64(k)
	}
	return out
}

// refDist is the metric's distance between a and b, in float64, with
// |a|^2 taken as anorm; unit uses the Dot distance of unit vectors,
// (|a-b|^2 - 2)/2.
func refDist(m Metric, unit bool, a, b []float64, anorm float64) float64 {
	var dot, bnorm float64
	for i := range a {
		dot += a[i] * b[i]
		bnorm += b[i] * b[i]
	}
	d2 := anorm + bnorm - 2*dot
	switch {
	case m == L2:
		return d2
	case unit:
		return (d2 - 2) / 2
	}
	return -dot
}

func norm2(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return s
}

// TestQuantizedDistanceFormulas: the distances computed from codes (a
// query against a stored vector, distRaw; two stored vectors, pairDist)
// are exactly the distances between the vectors the codes stand for (the
// query's norm is its own, not that of its codes), for every metric
// branch, in a dimension with padding.
func TestQuantizedDistanceFormulas(t *testing.T) {
	const n, dim = 64, 37
	f := randomFlat(n, dim, false, 4)
	q := Calibrate(f, n, 0.95) // clips: the codes differ from the floats
	q.Quantize(f, n)
	r := rand.New(rand.NewPCG(8, 1))
	for _, tc := range []struct {
		m    Metric
		unit bool
	}{{Dot, false}, {Dot, true}, {L2, false}} {
		q.Unit = tc.unit
		var qq quantQuery
		query := make([]float32, dim)
		for i := range query {
			query[i] = float32(r.NormFloat64())
		}
		q.prepare(&qq, query, tc.m)
		// The query's codes over its own range, as prepare makes them.
		lo, hi := slicesMinMax(query)
		qcodes := make([]int32, dim)
		for i := range qcodes {
			qcodes[i] = int32(qq.u[i]) - 128
		}
		qv := dequantize(qcodes, float64((lo+hi)/2), float64((hi-lo)/254))
		var qnorm float64
		for _, x := range query {
			qnorm += float64(x) * float64(x)
		}
		codes := func(id uint32) []int32 {
			c := make([]int32, dim)
			for i, k := range qq.record(id)[:dim] {
				c[i] = int32(k)
			}
			return c
		}
		u := make([]uint8, q.dimPad)
		for id := range uint32(n) {
			rec := qq.record(id)
			v := dequantize(codes(id), float64(q.mid), float64(q.step))
			got := float64(qq.dist(id))
			if want := refDist(tc.m, tc.unit, qv, v, qnorm); math.Abs(got-want) > 2e-6*(1+math.Abs(want)) {
				t.Fatalf("%v unit=%v: query to %d: %v, want %v", tc.m, tc.unit, id, got, want)
			}
			a := (id * 7) % n
			sum, sq := qq.codeU8(u, qq.record(a))
			var raw int32
			for i := range q.dimPad {
				raw += int32(u[i]) * int32(rec[i])
			}
			got = float64(qq.pairDist(sum, sq, rec, raw))
			av := dequantize(codes(a), float64(q.mid), float64(q.step))
			if want := refDist(tc.m, tc.unit, av, v, norm2(av)); math.Abs(got-want) > 2e-6*(1+math.Abs(want)) {
				t.Fatalf("%v unit=%v: %d to %d: %v, want %v", tc.m, tc.unit, a, id, got, want)
			}
		}
	}
}

func slicesMinMax(v []float32) (lo, hi float32) {
	lo, hi = v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// TestVisitedSet: seen reports each node once per traversal, grows past
// the size resetVisited was given, and resetVisited forgets every node,
// whether it clears the few words set or, after a traversal that set
// many, the whole set.
func TestVisitedSet(t *testing.T) {
	var s scratch
	for round, ids := range [][]uint32{
		{3, 64, 65, 999, 3, 5000},   // few words; 5000 is beyond the size
		seq(0, 4000),                // every word
		{0, 63, 4095, 4096, 100000}, // after a full clear, grown again
	} {
		s.resetVisited(1000)
		first := map[uint32]bool{}
		for _, id := range ids {
			if got, want := s.seen(id), first[id]; got != want {
				t.Fatalf("round %d: seen(%d) = %v, want %v", round, id, got, want)
			}
			first[id] = true
		}
		s.resetVisited(1000)
		for id := range first {
			if s.seen(id) {
				t.Fatalf("round %d: %d still seen after reset", round, id)
			}
		}
		s.resetVisited(1000)
	}
}

func seq(lo, hi uint32) []uint32 {
	var out []uint32
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}
