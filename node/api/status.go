package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"nexusos/cortex"
	"nexusos/microvm"
	"nexusos/node/runtime"
	"nexusos/vectordb/qdrantapi/rest"
)

// Status is GET /v1/status's answer.
type Status struct {
	Status        string  `json:"status"` // "ok"
	Version       string  `json:"version"`
	GoVersion     string  `json:"go_version"`
	QdrantVersion string  `json:"qdrant_version"` // the Qdrant API version the engine speaks
	UptimeSeconds float64 `json:"uptime_seconds"`
	Listen        any     `json:"listen,omitempty"` // the bound addresses of every API
	Memory        Memory  `json:"memory"`
	// Collections names the engine's collections (kept for older
	// clients); CollectionStats has their sizes.
	Collections     []string             `json:"collections"`
	CollectionStats []CollectionStats    `json:"collection_stats"`
	Ingest          runtime.IngestStatus `json:"ingest"`
	MemexFiles      int                  `json:"memex_files"`
	MemexFolders    []string             `json:"memex_folders"`
	Cortex          CortexState          `json:"cortex"`
	VMs             []microvm.Status     `json:"vms"` // running microVMs
	// Extra sections from Config.Status (for example "listen").
	Extra map[string]any `json:"extra,omitempty"`
}

// Memory is the node process's memory use.
type Memory struct {
	HeapBytes uint64 `json:"heap_bytes"` // live Go heap
	SysBytes  uint64 `json:"sys_bytes"`  // memory the Go runtime obtained from the OS
	RSSBytes  uint64 `json:"rss_bytes"`  // resident set size (0 where unknown)
}

// CollectionStats is one collection's size.
type CollectionStats struct {
	Name           string `json:"name"`
	Points         int    `json:"points"`
	IndexedVectors int    `json:"indexed_vectors"`
	Segments       int    `json:"segments"`
}

// CortexState says whether a language model is available and, if not, how
// to add one.
type CortexState struct {
	State  string   `json:"state"` // "ready" (models added) or "no-model"
	Models []string `json:"models"`
	// Hint tells what to do next.
	Hint string `json:"hint"`
	// Without lists what works with no model.
	Without string `json:"without,omitempty"`
}

// CortexHint is how to add the official BitNet model.
const CortexHint = `no language model is configured. Download the official BitNet b1.58 2B-4T GGUF ` +
	`(Microsoft's "microsoft/bitnet-b1.58-2B-4T-gguf" on the Hugging Face hub, file ggml-model-i2_s.gguf), ` +
	`then run: nexus cortex add ~/Downloads/ggml-model-i2_s.gguf --name bitnet-2b (and restart the node)`

// CortexWithout says what works without a model.
const CortexWithout = "MemexFS search, the knowledge graph, extractive summaries and apps that do not call Cortex " +
	"work without a model (MemexFS embeds with its built-in GloVe-SIF tables); Cortex chat, completions and " +
	"abstractive summaries need one"

func cortexState(home string) CortexState {
	st := CortexState{State: "no-model", Models: []string{}, Hint: CortexHint, Without: CortexWithout}
	if home == "" {
		return st
	}
	names, err := cortex.List(home)
	if err != nil {
		st.Hint = "cannot list models: " + err.Error()
		return st
	}
	if len(names) > 0 {
		st.State, st.Models = "ready", names
		st.Hint = "POST /v1/chat/completions (OpenAI-compatible) or nexus cortex run --model " + names[0] + ` --prompt "..."`
		st.Without = ""
	}
	return st
}

// readMemory fills Memory from the Go runtime and /proc/self/statm.
func readMemory() Memory {
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	m := Memory{HeapBytes: ms.HeapAlloc, SysBytes: ms.Sys}
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			if pages, err := strconv.ParseUint(f[1], 10, 64); err == nil {
				m.RSSBytes = pages * uint64(os.Getpagesize())
			}
		}
	}
	return m
}

// Status returns the node's status.
func (s *Server) Status() Status {
	st := Status{
		Status: "ok", Version: s.cfg.Version, GoVersion: goruntime.Version(), QdrantVersion: rest.Version,
		UptimeSeconds: time.Since(s.started).Seconds(), Memory: readMemory(),
		Collections: []string{}, CollectionStats: []CollectionStats{}, MemexFolders: []string{},
		Ingest: s.rt.Ingest().Status(), Cortex: cortexState(s.rt.Home().Root()), VMs: []microvm.Status{},
	}
	if db := s.rt.DB(); db != nil {
		for _, name := range db.Collections() {
			st.Collections = append(st.Collections, name)
			cs := CollectionStats{Name: name}
			if info, err := db.CollectionInfo(context.Background(), name); err == nil {
				cs.Points, cs.IndexedVectors, cs.Segments = info.PointsCount, info.IndexedVectorsCount, info.SegmentsCount
			}
			st.CollectionStats = append(st.CollectionStats, cs)
		}
	}
	if s.rt.Memex() != nil {
		st.MemexFiles, st.MemexFolders = s.memexCounts(st.Ingest.State == runtime.IngestRunning)
	}
	if s.rt.VMs() != nil {
		for _, v := range s.rt.VMs().List() {
			if !v.Done() {
				st.VMs = append(st.VMs, v)
			}
		}
	}
	if s.cfg.Listen != nil {
		st.Listen = s.cfg.Listen()
	}
	if len(s.cfg.Status) > 0 {
		st.Extra = map[string]any{}
		for k, f := range s.cfg.Status {
			st.Extra[k] = f()
		}
	}
	return st
}

// statusEvery is how often a streamed status is sent.
const statusEvery = time.Second

// handleStatus answers with the status, or with "Accept:
// text/event-stream" streams it as one "data:" event per second (with
// live ingest progress) until the client goes away.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		writeJSON(w, http.StatusOK, s.Status())
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	t := time.NewTicker(statusEvery)
	defer t.Stop()
	for {
		b, err := json.Marshal(s.Status())
		if err != nil {
			return
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return
		}
		if fl != nil {
			fl.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.cfg.Done:
			return
		case <-t.C:
		}
	}
}

// countsMemo caches the file count and folders of the index: reading
// them decodes the whole file table, and consoles poll the status.
type countsMemo struct {
	mu    sync.Mutex
	gen   int64     // guarded by mu
	at    time.Time // guarded by mu
	files int       // guarded by mu
	roots []string  // guarded by mu
}

// memexCounts returns the number of indexed files and their folders,
// recomputed after each ingest and at most once a second during one.
func (s *Server) memexCounts(ingesting bool) (int, []string) {
	c := &s.counts
	gen := s.rt.Ingest().Generation()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || c.gen != gen || (ingesting && time.Since(c.at) > time.Second) {
		files := s.rt.Memex().Files()
		c.files, c.roots, c.gen, c.at = len(files), rootsOf(files), gen, time.Now()
		if c.roots == nil {
			c.roots = []string{}
		}
	}
	return c.files, append([]string(nil), c.roots...)
}
