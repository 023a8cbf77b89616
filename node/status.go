package node

import (
	"fmt"
	"io"
	"strings"
	"time"

	"nexusos/internal/benchstat"
	"nexusos/node/api"
	"nexusos/node/runtime"
)

// PrintStatus writes a node's status for a person.
func PrintStatus(w io.Writer, st api.Status) {
	fmt.Fprintf(w, "node        %s, version %s (%s), up %s\n", st.Status, st.Version, st.GoVersion, (time.Duration(st.UptimeSeconds) * time.Second).String())
	fmt.Fprintf(w, "memory      heap %s, RSS %s\n", benchstat.Bytes(st.Memory.HeapBytes), benchstat.Bytes(st.Memory.RSSBytes))
	for _, c := range st.CollectionStats {
		fmt.Fprintf(w, "collection  %s: %d points\n", c.Name, c.Points)
	}
	in := st.Ingest
	switch in.State {
	case runtime.IngestRunning:
		fmt.Fprintf(w, "MemexFS     indexing %d/%d files (%.0f files/s), %d files known\n", in.Files, in.TotalFiles, in.FilesPerS, st.MemexFiles)
	case runtime.IngestFailed:
		fmt.Fprintf(w, "MemexFS     %d files in %s; last ingest stopped: %s\n", st.MemexFiles, strings.Join(st.MemexFolders, ", "), in.Error)
	default:
		fmt.Fprintf(w, "MemexFS     %d files in %s\n", st.MemexFiles, strings.Join(st.MemexFolders, ", "))
	}
	if e := in.Embedding; e != nil {
		if e.Reembedding {
			fmt.Fprintf(w, "embedding   answering with %s while %s re-embeds (%d of %d files left)\n", e.Answering, e.Indexing, e.Pending, e.Files)
		} else {
			fmt.Fprintf(w, "embedding   %s\n", e.Answering)
		}
	}
	if st.Cortex.State == "ready" {
		fmt.Fprintf(w, "Cortex      models: %s\n", strings.Join(st.Cortex.Models, ", "))
	} else {
		fmt.Fprintf(w, "Cortex      no model: %s\n", st.Cortex.Hint)
	}
	fmt.Fprintf(w, "microVMs    %d running\n", len(st.VMs))
	for _, v := range st.VMs {
		fmt.Fprintf(w, "            %s %s since %s, %s\n", v.ID, v.Name, v.StartedAt.Format(time.TimeOnly), benchstat.Bytes(v.MemoryBytes))
	}
}
