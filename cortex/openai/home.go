package openai

import (
	"errors"
	"fmt"

	"nexusos/cortex"
)

// OpenHome loads every model added under a NexusOS home (nexus cortex add)
// and returns a Handler serving them under their names, with cfg's limits
// (cfg.Models is replaced). No added model is not an error: the Handler
// then serves none and says how to add one. Close the Handler to unmap the
// models.
func OpenHome(home string, cfg Config) (*Handler, error) {
	names, err := cortex.List(home)
	if err != nil {
		return nil, fmt.Errorf("openai: %w", err)
	}
	var loaded []*cortex.Model
	closeAll := func() {
		for _, m := range loaded {
			m.Close()
		}
	}
	cfg.Models = nil
	for _, name := range names {
		path, err := cortex.Resolve(home, name)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("openai: %w", err)
		}
		m, err := cortex.Load(path, cortex.LoadOptions{})
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("openai: model %s: %w", name, err)
		}
		loaded = append(loaded, m)
		cfg.Models = append(cfg.Models, Model{Name: name, Model: m})
	}
	h, err := New(cfg)
	if err != nil {
		closeAll()
		return nil, err
	}
	h.owned = loaded
	return h, nil
}

// Close stops the prefix caches' worker threads and unmaps the models
// OpenHome loaded (a Handler from New leaves its models to the caller).
// Call it after the server stopped.
func (h *Handler) Close() error {
	for _, e := range h.order {
		if e.cache != nil {
			e.cache.mu.Lock()
			if e.cache.s != nil {
				e.cache.s.Close()
				e.cache.s, e.cache.tokens = nil, nil
			}
			e.cache.mu.Unlock()
		}
	}
	var errs []error
	for _, m := range h.owned {
		errs = append(errs, m.Close())
	}
	h.owned = nil
	return errors.Join(errs...)
}
