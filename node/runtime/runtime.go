// Package runtime is the one place a NexusOS process builds its services:
// the vector engine, MemexFS, the sealed-image store, the microVM engines
// and manager, and Cortex, all over one state directory (package
// node/home). `nexus up` and `nexus serve` (package node), apps run from
// the command line (node.RunAppQuery, `nexus run`) and the CLI commands
// that open MemexFS ask Open for what they need and Close the result:
//
//	rt, err := runtime.Open(ctx, home.At(dir), runtime.Want{Memex: true, Apps: true})
//	if err != nil {
//		return err
//	}
//	defer rt.Close(ctx)
//	mgr := rt.VMs() // detached microVMs over rt.Images(), with rt.Memex() for their apps
//
// One process opens one Runtime per state directory: the vector engine
// under it is locked (vectordb.ErrLocked) while open.
//
// A Runtime's accessors are safe for concurrent use; Close is called once,
// after its users have stopped.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"

	"nexusos/cortex"
	"nexusos/cortex/openai"
	"nexusos/memex"
	"nexusos/memex/embed"
	"nexusos/microvm"
	"nexusos/microvm/hostsvc"
	"nexusos/microvm/image"
	"nexusos/microvm/kvm"
	"nexusos/microvm/launcher"
	"nexusos/microvm/wasm"
	"nexusos/node/home"
	"nexusos/vectordb"
)

// Want says which services Open builds. The zero value builds none.
type Want struct {
	// VectorDB opens the embedded vector engine under the home (implied
	// by Memex and MemexIfIndexed unless MemexStore is set).
	VectorDB bool
	// Memex opens MemexFS; MemexIfIndexed opens it only when the home
	// already holds MemexFS state (home.Dir.HasMemex).
	Memex          bool
	MemexIfIndexed bool
	// MemexStore, when set, keeps MemexFS's points there (a remote
	// Qdrant) instead of in the embedded engine; the file table stays
	// under the home. Open does not close it.
	MemexStore memex.Store
	// Images opens the sealed-image store.
	Images bool
	// Apps runs detached microVMs (VMs) over the image store, on both
	// tiers, with MemexFS (when open) for their apps. It implies Images.
	Apps bool
	// AppCortex gives apps run with AppServices the Cortex host service:
	// the built-in embedder, and generation with Model when it is set (a
	// GGUF file, or a model added under the home).
	AppCortex bool
	Model     string
	// Cortex serves the models added under the home on Cortex's
	// OpenAI-compatible endpoints (OpenAI), each loaded when first asked
	// for; without it OpenAI serves none.
	Cortex bool
	// CortexConfig are the serving settings of those endpoints (threads,
	// context, queue, API key, load options); its Logger defaults to
	// Logger.
	CortexConfig openai.Config
	// Data are the folders MemexFS may index through Ingest: it reads
	// files only inside them.
	Data []string
	// MemexEmbedder picks the embedder of MemexFS's dense vectors: ""
	// the first embedding model added under the home (nexus cortex add,
	// by name), or the built-in GloVe-SIF when there is none;
	// BuiltinEmbedder GloVe-SIF; USEEmbedder ("use-lite[:DIR]") the
	// Universal Sentence Encoder Lite (never picked by default);
	// otherwise a model added under the home or a GGUF file, which must
	// be an embedding model. Each embedder keeps its vectors in its own
	// collection ("memex" for GloVe-SIF, "memex-<model>" for the others).
	MemexEmbedder string
	// MemexIndexing says the caller is about to index (nexus memex add,
	// watch, reembed; a node indexing its data folders): MemexFS opens
	// with the embedding model MemexEmbedder picks even when it has not
	// embedded every indexed file yet, and files indexed from then on are
	// embedded by it; questions are answered from the last collection
	// that held every file (GloVe-SIF's, or an earlier model's) until it
	// has embedded them all, then from its own (the switch is recorded
	// durably). Without it (questions), such a model is left aside and
	// MemexFS opens with that previous embedder alone
	// (Runtime.PendingEmbedder names the one left aside).
	MemexIndexing bool
	// Reembed implies MemexIndexing and starts, once MemexFS is open, the
	// re-embedding of the files another embedder (or older fact rules)
	// indexed: the folders they were added from are added again through
	// Ingest, in the background, with its progress (Runtime.Reembed).
	Reembed bool
	// Logger receives the runtime's own events and is handed to MemexFS
	// and the engines (nil: MemexFS logs to slog.Default, the rest
	// nowhere).
	Logger *slog.Logger
}

// Service names, as OpenError reports them.
const (
	ServiceVectorDB = "vectordb"
	ServiceMemex    = "memex"
	ServiceImages   = "images"
	ServiceVMs      = "vms"
	ServiceModel    = "model"
)

// Parts are services opened elsewhere, for Wrap.
type Parts struct {
	DB     *vectordb.DB
	Memex  *memex.Memex
	Images *image.Store
	VMs    *microvm.Manager
	// Cortex, Data and Logger are as in Want.
	Cortex bool
	Data   []string
	Logger *slog.Logger
}

// OpenError is returned by Open when a service could not be built.
type OpenError struct {
	Service string // ServiceVectorDB, ServiceMemex, …
	Op      string // what failed ("open vector engine")
	Path    string // the directory or file, when there is one
	Err     error
}

func (e *OpenError) Error() string {
	if e.Path != "" {
		return e.Op + " in " + e.Path + ": " + e.Err.Error()
	}
	return e.Op + ": " + e.Err.Error()
}

func (e *OpenError) Unwrap() error { return e.Err }

// MountError is returned by MountTree when a host directory cannot be
// opened.
type MountError struct {
	Host string
	Err  error
}

func (e *MountError) Error() string { return e.Host + ": " + e.Err.Error() }

func (e *MountError) Unwrap() error { return e.Err }

// Runtime owns the services Open built. Build it with Open.
type Runtime struct {
	home home.Dir
	log  *slog.Logger // never nil
	want Want

	db     *vectordb.DB
	memex  *memex.Memex
	images *image.Store
	vms    *microvm.Manager
	model  *cortex.Model
	// closeEmb unmaps MemexFS's Cortex embedding model (nil for
	// GloVe-SIF).
	closeEmb func() error
	// emb is MemexFS's embedder when it is a Cortex embedding model (nil
	// for GloVe-SIF); apps' cortex.embed calls go through it too.
	emb embed.Embedder
	// pendingEmb names the embedding model left aside because it has
	// not embedded every file yet (see Want.MemexIndexing).
	pendingEmb string

	// ingest indexes into memex in the background (never nil).
	ingest *Ingest
	// oai serves Cortex's OpenAI-compatible endpoints (never nil).
	oai       *openai.Handler
	cortexErr error // why oai serves none of the home's models
	// wrapped is set by Wrap: the parts are closed by their owner.
	wrapped bool

	graphMu sync.Mutex
	// graph is the last knowledge graph built; guarded by graphMu.
	graph *graphEntry

	enginesMu sync.Mutex
	// engines are the engines Engine and EngineFor built, closed by
	// Close; guarded by enginesMu.
	engines []microvm.Engine
}

// Open builds the services want asks for over the state directory h. On
// error, what was already built is closed again and the error is an
// *OpenError naming the service.
func Open(ctx context.Context, h home.Dir, want Want) (_ *Runtime, err error) {
	r := &Runtime{home: h, log: want.Logger, want: want}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	defer func() {
		if err != nil {
			r.Close(context.WithoutCancel(ctx))
		}
	}()
	openMemex := want.Memex || want.MemexIfIndexed && h.HasMemex()
	if want.VectorDB || openMemex && want.MemexStore == nil {
		dir := h.VectorDB()
		if r.db, err = vectordb.Open(dir, vectordb.Options{}); err != nil {
			return nil, &OpenError{Service: ServiceVectorDB, Op: "open vector engine", Path: dir, Err: err}
		}
		r.log.Info("vector engine open", "dir", dir)
	}
	if openMemex {
		store := want.MemexStore
		if store == nil {
			store = r.db
		}
		if err := r.openMemex(ctx, store); err != nil {
			return nil, err
		}
	}
	if want.Images || want.Apps {
		if r.images, err = image.OpenStore(h.Images()); err != nil {
			return nil, &OpenError{Service: ServiceImages, Op: "open image store", Err: err}
		}
	}
	if want.Apps {
		svc := microvm.Services{Logger: want.Logger, Cortex: &hostsvc.Cortex{Embedder: r.emb}}
		if r.memex != nil {
			svc.Memex = hostsvc.Memex{M: r.memex}
		}
		if r.vms, err = launcher.NewManager(ctx, r.images, svc, want.Logger); err != nil {
			return nil, &OpenError{Service: ServiceVMs, Op: "start microVM runtime", Err: err}
		}
	}
	if want.AppCortex && want.Model != "" {
		if r.model, err = LoadModel(h, want.Model, cortex.LoadOptions{}); err != nil {
			return nil, &OpenError{Service: ServiceModel, Op: "load model", Err: err}
		}
	}
	r.start()
	if want.Reembed && r.memex != nil {
		if _, err := r.Reembed(); err != nil && !errors.Is(err, ErrNothingStale) {
			r.log.Warn("MemexFS re-embed not started", "err", err)
		}
	}
	return r, nil
}

// Wrap returns a Runtime over services opened elsewhere (tests, programs
// that embed a node API over their own MemexFS): it adds the ingest, the
// knowledge-graph cache and Cortex's endpoints. Close stops and frees what
// Wrap added and the engines asked of it; the parts stay open.
func Wrap(h home.Dir, p Parts) *Runtime {
	r := &Runtime{home: h, log: p.Logger, wrapped: true,
		want: Want{Cortex: p.Cortex, Data: p.Data, Logger: p.Logger},
		db:   p.DB, memex: p.Memex, images: p.Images, vms: p.VMs}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.start()
	return r
}

// start builds what every runtime has: the ingest and Cortex's endpoints.
func (r *Runtime) start() {
	r.ingest = newIngest(r.memex, r.log, r.want.Data, r.switchEmbedder)
	r.openCortex()
}

// PendingEmbedder names the embedder MemexFS would use but left aside,
// answering with the previous one (GloVe-SIF or an earlier model),
// because it has not embedded every indexed file yet ("" when none is
// pending; see Want.MemexIndexing).
func (r *Runtime) PendingEmbedder() string { return r.pendingEmb }

// Home is the state directory the runtime runs over.
func (r *Runtime) Home() home.Dir { return r.home }

// DB is the embedded vector engine (nil unless opened).
func (r *Runtime) DB() *vectordb.DB { return r.db }

// Memex is MemexFS (nil unless opened).
func (r *Runtime) Memex() *memex.Memex { return r.memex }

// Images is the sealed-image store (nil unless opened).
func (r *Runtime) Images() *image.Store { return r.images }

// VMs runs detached microVMs (nil unless Want.Apps).
func (r *Runtime) VMs() *microvm.Manager { return r.vms }

// Data are the folders MemexFS may index through Ingest (Want.Data).
func (r *Runtime) Data() []string { return r.want.Data }

// Ingest runs MemexFS ingests in the background and reports their
// progress (never nil; its Start fails with ErrNoMemex without MemexFS).
func (r *Runtime) Ingest() *Ingest { return r.ingest }

// AppServices are the host services an app run in this process gets:
// MemexFS when it is open, Cortex with Want.AppCortex (its embeddings
// from MemexFS's embedding model when one is in use), and logger for the
// app's log calls. A service left out answers "not available".
func (r *Runtime) AppServices(logger *slog.Logger) microvm.Services {
	svc := microvm.Services{Logger: logger}
	if r.memex != nil {
		svc.Memex = hostsvc.Memex{M: r.memex}
	}
	if r.want.AppCortex {
		svc.Cortex = &hostsvc.Cortex{Model: r.model, Embedder: r.emb}
	}
	return svc
}

// Engine returns an engine for both tiers over the image store (which
// Open must have opened), picking each program's by its manifest, with no
// warm pool: the engine of one app run. Close frees it.
func (r *Runtime) Engine(ctx context.Context) (microvm.Engine, error) {
	if r.images == nil {
		return nil, errors.New("runtime: no image store (Want.Images)")
	}
	eng, err := launcher.NewEngine(ctx, r.images, r.want.Logger, 0)
	if err != nil {
		return nil, err
	}
	r.keep(eng)
	return eng, nil
}

// EngineFor returns the engine that runs img's tier, for an image that
// need not be in the store (a sealed file): tier 1 with the store's
// compilation cache, tier 2 serving img's sealed files. Close frees it.
func (r *Runtime) EngineFor(ctx context.Context, img *image.Image, logger *slog.Logger) (microvm.Engine, error) {
	var eng microvm.Engine
	switch tier := img.Manifest.Tier; tier {
	case microvm.TierWasm:
		w, err := wasm.New(ctx, wasm.NewConfig().WithCacheDir(r.home.ImageCache()))
		if err != nil {
			return nil, err
		}
		eng = w
	case microvm.TierKVM:
		if !haveTier2 {
			return nil, fmt.Errorf("image %s is for tier %q, which this build of nexus cannot run here", img.Manifest.Name, tier)
		}
		fsys, err := img.FilesFS()
		if err != nil {
			return nil, err
		}
		k, err := kvm.New(kvm.NewConfig().WithLogger(logger).WithFiles(func(p *microvm.Program) (fs.FS, error) {
			if p.ID != img.Digest || fsys == nil {
				return nil, nil
			}
			return fsys, nil
		}))
		if err != nil {
			return nil, err
		}
		eng = k
	default:
		return nil, fmt.Errorf("image %s is for tier %q, which this build of nexus cannot run here", img.Manifest.Name, tier)
	}
	r.keep(eng)
	return eng, nil
}

// CheckImage validates a freshly sealed program of a tier that is not
// compiled ahead of time (tier 2) without running it; other tiers pass.
func CheckImage(p *microvm.Program) error {
	if p.Manifest.Tier == microvm.TierKVM && haveTier2 {
		return kvm.Check(p)
	}
	return nil
}

func (r *Runtime) keep(e microvm.Engine) {
	r.enginesMu.Lock()
	r.engines = append(r.engines, e)
	r.enginesMu.Unlock()
}

// Close stops the running ingest (what it reported indexed is kept) and
// the microVMs, frees the engines and the models, and closes MemexFS, then
// the vector engine. It returns every error met.
func (r *Runtime) Close(ctx context.Context) error {
	var errs []error
	if r.ingest != nil {
		if err := r.ingest.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop ingest: %w", err))
		}
	}
	if r.oai != nil {
		if err := r.oai.Close(); err != nil {
			errs = append(errs, fmt.Errorf("unload model: %w", err))
		}
	}
	if r.wrapped {
		r.closeEngines(ctx, &errs)
		return errors.Join(errs...)
	}
	if r.vms != nil {
		if err := r.vms.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop microVMs: %w", err))
		}
	}
	r.closeEngines(ctx, &errs)
	if r.model != nil {
		if err := r.model.Close(); err != nil {
			errs = append(errs, fmt.Errorf("unload model: %w", err))
		}
	}
	if r.memex != nil {
		if err := r.memex.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close MemexFS: %w", err))
		}
	}
	if r.closeEmb != nil {
		if err := r.closeEmb(); err != nil {
			errs = append(errs, fmt.Errorf("unload MemexFS's embedding model: %w", err))
		}
	}
	if r.db != nil {
		if err := r.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close vector engine: %w", err))
		}
		r.log.Info("vector engine closed", "dir", r.home.VectorDB())
	}
	return errors.Join(errs...)
}

func (r *Runtime) closeEngines(ctx context.Context, errs *[]error) {
	r.enginesMu.Lock()
	engines := r.engines
	r.engines = nil
	r.enginesMu.Unlock()
	for _, e := range engines {
		if c, ok := e.(interface{ Close(context.Context) error }); ok {
			if err := c.Close(ctx); err != nil {
				*errs = append(*errs, fmt.Errorf("close engine: %w", err))
			}
		}
	}
}
