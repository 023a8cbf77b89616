package runtime

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"nexusos/memex"
)

// Ingest states.
const (
	IngestIdle    = "idle"
	IngestRunning = "running"
	IngestDone    = "done"
	IngestFailed  = "failed"
)

// IngestStatus is the progress of the current or last ingest (the node
// API reports it in /v1/status and /v1/memex/ingest).
type IngestStatus struct {
	State      string         `json:"state"` // idle, running, done, failed
	Paths      []string       `json:"paths,omitempty"`
	Files      int            `json:"files"`       // files seen so far
	TotalFiles int            `json:"total_files"` // files found by the walk
	Bytes      int64          `json:"bytes"`
	TotalBytes int64          `json:"total_bytes"`
	Current    string         `json:"current,omitempty"`
	FilesPerS  float64        `json:"files_per_second"`
	StartedAt  time.Time      `json:"started_at,omitzero"`
	EndedAt    time.Time      `json:"ended_at,omitzero"`
	Summary    *memex.Summary `json:"summary,omitempty"`
	Error      string         `json:"error,omitempty"`
	// Embedding says which embedder answers questions and how far a
	// re-embed is (nil without MemexFS).
	Embedding *EmbeddingStatus `json:"embedding,omitempty"`
}

// EmbeddingStatus says which embedder answers MemexFS's questions and how
// far the embedder that indexes is. While Reembedding, questions are
// answered from the last collection that held every indexed file
// (Answering's), and new vectors are made by Indexing; when Indexing has
// embedded every file that can still be read, questions switch to it
// (SwitchedAt) and Answering becomes Indexing.
type EmbeddingStatus struct {
	Answering   string `json:"answering"`
	Indexing    string `json:"indexing"`
	Reembedding bool   `json:"reembedding"`
	// Pending is how many indexed files Indexing had not embedded when
	// the last ingest started or ended (the running ingest's Files and
	// TotalFiles are its progress), of Files indexed files.
	Pending    int       `json:"pending"`
	Files      int       `json:"files"`
	SwitchedAt time.Time `json:"switched_at,omitzero"`
}

// Ingest runs one MemexFS ingest at a time in the background and keeps its
// progress. It is safe for concurrent use.
type Ingest struct {
	m   *memex.Memex
	log *slog.Logger
	// within are the folders files may be read from (Want.Data):
	// MemexFS opens each file through an os.Root of one.
	within []string

	mu sync.Mutex
	// st is the current or last ingest; guarded by mu.
	st IngestStatus
	// gen counts finished ingests (the knowledge graph cache key);
	// guarded by mu.
	gen int64
	// done is closed when the running ingest ends; guarded by mu.
	done chan struct{}
	// cancel stops the running ingest; guarded by mu.
	cancel context.CancelFunc
	// emb is the embedding status as of the last ingest's start or end;
	// guarded by mu.
	emb EmbeddingStatus

	// switchTo switches MemexFS's questions to the embedder that indexes
	// once it has embedded every file (Runtime.switchEmbedder).
	switchTo func() error
	// reembedHook, a test hook, runs after each file of an ingest while
	// MemexFS re-embeds (after the status is updated).
	reembedHook func(memex.Progress)
}

func newIngest(m *memex.Memex, log *slog.Logger, within []string, switchTo func() error) *Ingest {
	d := make(chan struct{})
	close(d)
	in := &Ingest{m: m, log: log, within: within, st: IngestStatus{State: IngestIdle}, done: d, switchTo: switchTo}
	if m != nil {
		in.emb = embeddingStatus(m)
	}
	return in
}

// embeddingStatus is m's EmbeddingStatus; the files left are counted
// only while m re-embeds (one pass over the file table).
func embeddingStatus(m *memex.Memex) EmbeddingStatus {
	st := EmbeddingStatus{Answering: m.AnsweredBy(), Indexing: m.Embedder(), Reembedding: m.Reembedding()}
	if st.Reembedding {
		st.Pending, st.Files = unembeddedOnDisk(m)
	}
	return st
}

// unembeddedOnDisk counts the indexed files m's embedder has not embedded
// yet and that can still be read (a file gone from disk since it was
// indexed cannot be re-embedded, and does not hold the switch back), and
// the indexed files.
func unembeddedOnDisk(m *memex.Memex) (n, files int) {
	paths, files := m.Unembedded()
	for _, p := range paths {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			n++
		}
	}
	return n, files
}

// afterRun switches MemexFS's questions to the embedder that indexes when
// a successful ingest has left no file for it to embed, and refreshes the
// embedding status.
//
// Preconditions: in.mu is held.
func (in *Ingest) afterRun(ok bool) {
	sw := in.emb.SwitchedAt
	defer func() { in.emb.SwitchedAt = sw }()
	if !in.m.Reembedding() {
		in.emb = embeddingStatus(in.m)
		return
	}
	left, _ := unembeddedOnDisk(in.m)
	switch {
	case ok && left == 0:
		var err error
		if in.switchTo != nil {
			err = in.switchTo()
		} else {
			in.m.AnswerWithIndexer()
		}
		if err != nil {
			in.log.Error("MemexFS: re-embedding done, but the switch to the new embedder failed; answering with the previous one", "err", err)
		} else {
			sw = time.Now()
		}
	case ok:
		in.log.Info("MemexFS: files left to re-embed; answering with the previous embedder", "files", left, "embedder", in.m.Embedder())
	}
	in.emb = embeddingStatus(in.m)
}

// Errors of Ingest.Start.
var (
	// ErrIngestRunning is returned while an ingest runs.
	ErrIngestRunning = errors.New("runtime: an ingest is already running")
	// ErrNoMemex is returned when the runtime has no MemexFS.
	ErrNoMemex = errors.New("runtime: MemexFS is not open")
)

// Start begins indexing paths (already checked by the caller) in the
// background and returns at once.
func (in *Ingest) Start(paths []string) (IngestStatus, error) {
	return in.start(paths, in.within)
}

// start is Start reading files only inside within (nil: anywhere).
func (in *Ingest) start(paths, within []string) (IngestStatus, error) {
	if in.m == nil {
		return IngestStatus{}, ErrNoMemex
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.st.State == IngestRunning {
		return in.st, ErrIngestRunning
	}
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	in.done = make(chan struct{})
	in.st = IngestStatus{State: IngestRunning, Paths: paths, StartedAt: time.Now()}
	if in.m.Reembedding() {
		in.emb = embeddingStatus(in.m)
	}
	st := in.st
	st.Embedding = new(in.emb)
	done := in.done
	hook := in.reembedHook
	go func() {
		defer close(done)
		defer cancel()
		in.log.Info("ingest started", "paths", paths)
		sum, err := in.m.AddWithin(ctx, within, paths, func(p memex.Progress) {
			in.mu.Lock()
			in.st.Files, in.st.TotalFiles, in.st.Bytes, in.st.TotalBytes, in.st.Current = p.Files, p.TotalFiles, p.Bytes, p.TotalBytes, p.Current
			if s := p.Elapsed.Seconds(); s > 0 {
				in.st.FilesPerS = float64(p.Files) / s
			}
			in.mu.Unlock()
			if hook != nil && in.m.Reembedding() {
				hook(p)
			}
		})
		in.mu.Lock()
		defer in.mu.Unlock()
		in.st.Summary, in.st.EndedAt, in.st.Current = sum, time.Now(), ""
		in.st.State = IngestDone
		if err != nil {
			in.st.State, in.st.Error = IngestFailed, err.Error()
			in.log.Error("ingest failed", "paths", paths, "err", err)
		} else {
			in.log.Info("ingest done", "paths", paths, "indexed", sum.Indexed, "unchanged", sum.Unchanged, "skipped", len(sum.Skipped))
		}
		in.afterRun(err == nil)
		in.gen++
	}()
	return st, nil
}

// ErrNothingStale is returned by Runtime.Reembed when every indexed file
// was made by MemexFS's current embedder and fact rules.
var ErrNothingStale = errors.New("runtime: every indexed file is current")

// Reembed starts re-reading, in the background through Ingest (its status
// shows the progress), the files MemexFS indexed with another embedder or
// older fact rules (memex.Memex.StaleRoots): their folders are added
// again, unchanged current files skipped. The folders come from MemexFS's
// own file table, so they are read wherever they are (not only inside
// Want.Data).
//
// Until it has embedded every file that can still be read, questions are
// answered from the last collection that held every file (GloVe-SIF's or
// an earlier model's); then they switch, durably, to the new one
// (IngestStatus.Embedding shows which answers, and what is left). A crash
// or Stop keeps what was embedded: the next Reembed (or a node's start-up
// ingest) goes on from there, the previous collection answering
// meanwhile.
//
// # Errors
//
// ErrNoMemex, ErrNothingStale, or ErrIngestRunning.
func (r *Runtime) Reembed() (IngestStatus, error) {
	if r.memex == nil {
		return IngestStatus{}, ErrNoMemex
	}
	roots := r.memex.StaleRoots()
	if len(roots) == 0 {
		return IngestStatus{}, ErrNothingStale
	}
	r.log.Info("MemexFS re-embedding", "embedder", r.memex.Embedder(), "folders", roots)
	return r.ingest.start(roots, nil)
}

// Status returns the current or last ingest's progress.
func (in *Ingest) Status() IngestStatus {
	in.mu.Lock()
	defer in.mu.Unlock()
	st := in.st
	st.Paths = append([]string(nil), st.Paths...)
	if in.m != nil {
		st.Embedding = new(in.emb)
	}
	return st
}

// Generation counts finished ingests.
func (in *Ingest) Generation() int64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.gen
}

// Wait blocks until the running ingest (if any) ends or ctx is done, and
// returns its final status.
func (in *Ingest) Wait(ctx context.Context) (IngestStatus, error) {
	in.mu.Lock()
	done := in.done
	in.mu.Unlock()
	select {
	case <-done:
		return in.Status(), nil
	case <-ctx.Done():
		return in.Status(), ctx.Err()
	}
}

// Stop cancels the running ingest and waits for it: files reported as
// indexed so far are kept (MemexFS commits each batch durably).
func (in *Ingest) Stop(ctx context.Context) error {
	in.mu.Lock()
	cancel := in.cancel
	in.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	_, err := in.Wait(ctx)
	return err
}
