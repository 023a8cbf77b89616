package vectordb

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteSummary writes a human-readable description of every collection:
// points, vectors, indexing progress, payload indexes and aliases.
func (db *DB) WriteSummary(w io.Writer) error {
	aliases, err := db.Aliases("")
	if err != nil {
		return err
	}
	names := db.Collections()
	if len(names) == 0 {
		_, err := fmt.Fprintf(w, "no collections in %s\n", db.dir)
		return err
	}
	for _, name := range names {
		info, err := db.CollectionInfo(context.Background(), name)
		if err != nil {
			return fmt.Errorf("describe %s: %w", name, err)
		}
		fmt.Fprintf(w, "%s: %d points, %d vectors in HNSW graphs\n", name, info.PointsCount, info.IndexedVectorsCount)
		var vs []string
		for vn, p := range info.Config.Vectors {
			label := vn
			if label == "" {
				label = "(default)"
			}
			vs = append(vs, fmt.Sprintf("%s %d-d %s", label, p.Size, p.Distance))
		}
		for vn, p := range info.Config.SparseVectors {
			vs = append(vs, fmt.Sprintf("%s sparse modifier=%s", vn, p.Modifier))
		}
		sort.Strings(vs)
		fmt.Fprintf(w, "  vectors: %s\n", strings.Join(vs, "; "))
		var ix []string
		for k, pi := range info.PayloadSchema {
			ix = append(ix, fmt.Sprintf("%s (%s, %d points)", k, pi.DataType, pi.Points))
		}
		sort.Strings(ix)
		if len(ix) > 0 {
			fmt.Fprintf(w, "  payload indexes: %s\n", strings.Join(ix, ", "))
		}
		var al []string
		for _, a := range aliases {
			if a.Collection == name {
				al = append(al, a.Alias)
			}
		}
		if len(al) > 0 {
			fmt.Fprintf(w, "  aliases: %s\n", strings.Join(al, ", "))
		}
	}
	return nil
}
