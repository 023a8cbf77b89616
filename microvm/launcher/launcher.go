// Package launcher wires the pieces a NexusOS node needs to run sealed
// apps: a resolver over an image store, the engines of both tiers
// (tier-1 WebAssembly with its on-disk compilation cache, tier-2 KVM with
// the images' sealed files) behind one microvm.Engine that picks by the
// manifest's tier, and a microvm.Manager for detached microVMs. A long-running node keeps compiled modules in memory, so a run
// through it pays neither compilation nor cache loading.
//
// Mounting the manager in a node's HTTP API:
//
//	mgr, err := launcher.NewManager(ctx, store, svc, logger)
//	...
//	mux.Handle("/v1/vms/", http.StripPrefix("/v1/vms", mgr.Handler()))
//	defer mgr.Close(ctx)
//
// Everything here is safe for concurrent use.
package launcher

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"nexusos/microvm"
	"nexusos/microvm/image"
)

// PoolSize is how many pre-restored instances of each pre-initialised
// image a node keeps ready.
const PoolSize = 4

// maxCached bounds the verified programs a Resolver keeps in memory.
const maxCached = 64

// Resolver returns a microvm.Resolver over store that applies the trust
// policy of image.Image.Verify with the given keys. Images are immutable
// and addressed by digest, so a verified program is kept in memory and
// later runs skip reading and hashing it; names are resolved afresh each
// time, so a rebuild is picked up at once.
func Resolver(store *image.Store, trusted ...ed25519.PublicKey) microvm.Resolver {
	var mu sync.Mutex
	cache := map[string]*microvm.Program{} // guarded by mu
	return func(_ context.Context, ref string) (*microvm.Program, error) {
		digest, err := store.Resolve(ref)
		if errors.Is(err, image.ErrNotFound) {
			return nil, fmt.Errorf("%w: %w", microvm.ErrNoSuchImage, err)
		}
		if err != nil {
			return nil, err
		}
		mu.Lock()
		p := cache[digest]
		mu.Unlock()
		if p != nil {
			return p, nil
		}
		img, err := store.Load(digest, trusted...)
		if err != nil {
			return nil, err
		}
		p = img.Program()
		mu.Lock()
		if len(cache) >= maxCached {
			clear(cache)
		}
		cache[digest] = p
		mu.Unlock()
		return p, nil
	}
}

// NewManager returns a Manager that runs the images of store on the
// engine of their tier (NewEngine). Close the manager to stop its
// microVMs and free the engines.
func NewManager(ctx context.Context, store *image.Store, svc microvm.Services, logger *slog.Logger) (*microvm.Manager, error) {
	eng, err := NewEngine(ctx, store, logger, PoolSize)
	if err != nil {
		return nil, err
	}
	return microvm.NewManager(eng, Resolver(store), svc, microvm.ManagerConfig{Logger: logger}), nil
}
