package openai

import (
	"errors"
	"fmt"

	"nexusos/cortex"
)

// OpenHome serves every model added under a NexusOS home (nexus cortex
// add) under its name, with cfg's limits (cfg.Models is replaced). Models
// added later are loaded when first asked for or listed, so a running
// server needs no restart; a model that fails to load is logged and left
// out. No model is not an error: generation requests then answer 503 with
// a hint. It fails only when the home's model list cannot be read. Close
// the Handler to unmap the models.
func OpenHome(home string, cfg Config) (*Handler, error) {
	cfg.Models = nil
	h, err := New(cfg)
	if err != nil {
		return nil, err
	}
	h.home = home
	h.failed = map[string]bool{}
	h.mu.Lock()
	err = h.load()
	h.mu.Unlock()
	if err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

// refresh loads the models added under the home since, logging failures.
//
// Preconditions: h.mu is held.
func (h *Handler) refresh() {
	if err := h.load(); err != nil {
		h.log.Warn("openai: listing added models", "home", h.home, "err", err)
	}
}

// load loads the models under the home not served yet. Models that fail
// are logged once and skipped.
//
// Preconditions: h.mu is held.
func (h *Handler) load() error {
	if h.home == "" {
		return nil
	}
	names, err := cortex.List(h.home)
	if err != nil {
		return fmt.Errorf("openai: %w", err)
	}
	for _, name := range names {
		if _, ok := h.models[name]; ok || h.failed[name] {
			continue
		}
		path, err := cortex.Resolve(h.home, name)
		var (
			m   *cortex.Model
			emb *cortex.Embedder
			isE bool
		)
		if err == nil {
			isE, err = cortex.IsEmbedding(path)
		}
		if err == nil {
			if isE {
				emb, err = cortex.LoadEmbedder(path, cortex.EmbedOptions{Threads: h.cfg.Threads})
			} else {
				m, err = cortex.Load(path, h.cfg.Load)
			}
		}
		if err != nil {
			h.failed[name] = true
			h.log.Error("openai: model not served", "name", name, "err", err)
			continue
		}
		if isE {
			h.ownedEmb = append(h.ownedEmb, emb)
		} else {
			h.owned = append(h.owned, m)
		}
		h.add(Model{Name: name, Model: m, Embedder: emb})
		h.log.Info("openai: model loaded", "name", name, "file", path)
	}
	return nil
}

// Close stops the prefix caches' worker threads and unmaps the models
// OpenHome loaded (a Handler from New leaves its models to the caller).
// Call it after the server stopped.
func (h *Handler) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.order {
		if e.cache != nil {
			e.cache.Close()
		}
	}
	var errs []error
	for _, m := range h.owned {
		errs = append(errs, m.Close())
	}
	for _, e := range h.ownedEmb {
		errs = append(errs, e.Close())
	}
	h.owned, h.ownedEmb = nil, nil
	return errors.Join(errs...)
}
