package qdrantapi

import (
	"cmp"
	"context"
	"slices"

	"nexusos/vectordb"
)

// MaxFacetScan bounds the points one facet request reads.
const MaxFacetScan = 1 << 22

// facetPage is the scroll page size of a facet scan.
const facetPage = 1000

// A FacetHit is a distinct payload value and the number of points that
// have it.
type FacetHit struct {
	// Value is a string, an int64 or a bool.
	Value any
	Count uint64
}

// facetRank orders the kinds of facet values: bools, integers, strings.
func facetRank(v any) int {
	switch v.(type) {
	case bool:
		return 0
	case int64:
		return 1
	default:
		return 2
	}
}

// compareFacetValues orders two facet values by kind, then by value.
func compareFacetValues(a, b any) int {
	if c := cmp.Compare(facetRank(a), facetRank(b)); c != 0 {
		return c
	}
	switch x := a.(type) {
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case int64:
		return cmp.Compare(x, b.(int64))
	default:
		return cmp.Compare(x.(string), b.(string))
	}
}

// Facet counts, among the points of collection coll that match filter
// (nil: all), the points per distinct value under the payload key key:
// strings, integers and bools, each array element on its own; a point
// counts once per distinct value. The counts are exact over the first
// MaxFacetScan points. It returns the limit most frequent values, most
// frequent first, ties ordered by kind (bools, integers, strings) and
// then by value.
func Facet(ctx context.Context, db *vectordb.DB, coll, key string, filter *vectordb.Filter, limit int) ([]FacetHit, error) {
	req := vectordb.ScrollRequest{Limit: facetPage, Filter: filter, WithPayload: vectordb.PayloadSelector{All: true}}
	counts := map[any]uint64{}
	for scanned := 0; scanned < MaxFacetScan; {
		page, err := db.Scroll(ctx, coll, req)
		if err != nil {
			return nil, err
		}
		for _, p := range page.Points {
			seen := map[any]bool{}
			for _, v := range payloadValues(map[string]any(p.Payload), key) {
				switch x := v.(type) {
				case string, bool:
				case float64:
					n, ok := integral(x)
					if !ok {
						continue
					}
					v = n
				default:
					continue
				}
				if !seen[v] {
					seen[v] = true
					counts[v]++
				}
			}
		}
		scanned += len(page.Points)
		if page.NextPageOffset == nil {
			break
		}
		req.Offset = page.NextPageOffset
	}
	hits := make([]FacetHit, 0, len(counts))
	for v, n := range counts {
		hits = append(hits, FacetHit{Value: v, Count: n})
	}
	slices.SortFunc(hits, func(a, b FacetHit) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return compareFacetValues(a.Value, b.Value)
	})
	return hits[:min(limit, len(hits))], nil
}
