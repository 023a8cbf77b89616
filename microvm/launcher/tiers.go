package launcher

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"

	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/kvm"
	"nexusos/microvm/wasm"
)

// Tiers is a microvm.Engine that runs each program on the engine of its
// manifest's tier (microvm.TierWasm, microvm.TierKVM). A tier with no
// engine fails the run with a message saying why (Unavailable). It is
// safe for concurrent use once built.
type Tiers struct {
	Engines map[string]microvm.Engine
	// Unavailable says why a tier has no engine (e.g. no /dev/kvm).
	Unavailable map[string]error
}

var _ microvm.Engine = (*Tiers)(nil)

func (t *Tiers) engine(p *microvm.Program) (microvm.Engine, error) {
	if e, ok := t.Engines[p.Manifest.Tier]; ok {
		return e, nil
	}
	if err := t.Unavailable[p.Manifest.Tier]; err != nil {
		return nil, fmt.Errorf("image %s is for tier %s, unavailable on this host: %w", p.Manifest.Name, p.Manifest.Tier, err)
	}
	return nil, fmt.Errorf("image %s is for tier %q, which this host does not run", p.Manifest.Name, p.Manifest.Tier)
}

// Prepare implements microvm.Engine.
func (t *Tiers) Prepare(ctx context.Context, p *microvm.Program) error {
	e, err := t.engine(p)
	if err != nil {
		return err
	}
	return e.Prepare(ctx, p)
}

// Run implements microvm.Engine.
func (t *Tiers) Run(ctx context.Context, p *microvm.Program, rc microvm.RunConfig) (microvm.Status, error) {
	e, err := t.engine(p)
	if err != nil {
		return microvm.Status{ID: rc.ID, Image: p.ID, Name: p.Manifest.Name, State: microvm.StateFailed,
			Reason: microvm.ReasonError, ExitCode: microvm.ExitCodeError, Detail: err.Error()}, err
	}
	return e.Run(ctx, p, rc)
}

// Close closes every engine that can be closed.
func (t *Tiers) Close(ctx context.Context) error {
	var errs []error
	for _, e := range t.Engines {
		if c, ok := e.(interface{ Close(context.Context) error }); ok {
			errs = append(errs, c.Close(ctx))
		}
	}
	return errors.Join(errs...)
}

// NewEngine returns the engines of both tiers over store: tier 1 with its
// compilation cache (and pool pre-restored instances per pre-initialised
// image), tier 2 serving the sealed files of the store's images, when
// /dev/kvm is usable (otherwise Unavailable says why). Close it to free
// compiled code.
func NewEngine(ctx context.Context, store *image.Store, logger *slog.Logger, pool int) (*Tiers, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w, err := wasm.New(ctx, wasm.NewConfig().WithCacheDir(store.CacheDir()).WithLogger(logger).WithPool(pool))
	if err != nil {
		return nil, err
	}
	t := &Tiers{Engines: map[string]microvm.Engine{microvm.TierWasm: w}, Unavailable: map[string]error{}}
	k, err := kvm.New(kvm.NewConfig().WithLogger(logger).WithFiles(StoreFiles(store)))
	if err != nil {
		t.Unavailable[microvm.TierKVM] = err
	} else {
		t.Engines[microvm.TierKVM] = k
	}
	return t, nil
}

// StoreFiles returns a kvm.FilesFunc that finds a program's sealed files
// in store by its digest (verified as image.Store.Load does). Opened trees
// are kept in memory: images are immutable.
func StoreFiles(store *image.Store) kvm.FilesFunc {
	var mu sync.Mutex
	cache := map[string]fs.FS{} // guarded by mu; nil values: no files
	return func(p *microvm.Program) (fs.FS, error) {
		mu.Lock()
		f, ok := cache[p.ID]
		mu.Unlock()
		if ok {
			return f, nil
		}
		img, err := store.Load(p.ID)
		if err != nil {
			return nil, err
		}
		if img.Manifest.Manifest.Name != p.Manifest.Name {
			return nil, fmt.Errorf("image %s in the store is %s, not %s", p.ID, img.Manifest.Name, p.Manifest.Name)
		}
		if f, err = img.FilesFS(); err != nil {
			return nil, err
		}
		mu.Lock()
		if len(cache) >= maxCached {
			clear(cache)
		}
		cache[p.ID] = f
		mu.Unlock()
		return f, nil
	}
}
