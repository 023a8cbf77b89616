package vectordb

// annSearch answers a dense nearest query from the HNSW index, or returns
// nil so the caller scans exactly.
//
// Preconditions: c.mu is held.
func (c *collection) annSearch(d *denseIndex, q []float32, sc scorer, filter *Filter, exclude map[PointID]struct{}, limit, ef int) []hit {
	return nil
}
