// Package launcher wires the pieces a NexusOS node needs to run sealed
// apps: the image store under <home>/images, the tier-1 WebAssembly engine
// with its on-disk compilation cache, and a microvm.Manager for detached
// microVMs. A long-running node keeps compiled modules in memory, so a run
// through it pays neither compilation nor cache loading.
//
// Mounting the manager in a node's HTTP API:
//
//	mgr, err := launcher.NewManager(ctx, home, svc, logger)
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
	"path/filepath"

	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/wasm"
)

// Resolver returns a microvm.Resolver over store that applies the trust
// policy of image.Image.Verify with the given keys.
func Resolver(store *image.Store, trusted ...ed25519.PublicKey) microvm.Resolver {
	return func(_ context.Context, ref string) (*microvm.Program, error) {
		img, err := store.Load(ref, trusted...)
		if errors.Is(err, image.ErrNotFound) {
			return nil, fmt.Errorf("%w: %w", microvm.ErrNoSuchImage, err)
		}
		if err != nil {
			return nil, err
		}
		return img.Program(), nil
	}
}

// NewManager opens the image store under home and returns a Manager that
// runs its images on the WebAssembly engine. Close the manager to stop its
// microVMs and free the engine.
func NewManager(ctx context.Context, home string, svc microvm.Services, logger *slog.Logger) (*microvm.Manager, error) {
	store, err := image.OpenStore(filepath.Join(home, "images"))
	if err != nil {
		return nil, err
	}
	eng, err := wasm.New(ctx, wasm.NewConfig().WithCacheDir(store.CacheDir()).WithLogger(logger))
	if err != nil {
		return nil, err
	}
	return microvm.NewManager(eng, Resolver(store), svc, microvm.ManagerConfig{Logger: logger}), nil
}
