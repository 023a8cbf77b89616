//go:build linux && amd64

package kvm

import (
	"context"
	"fmt"
	"io/fs"

	"nexusos/hyper/libos"
	"nexusos/microvm"
	"nexusos/microvm/image"
)

// Preinit runs a tier-2 app (the static executable exe, with files as its
// "/", under manifest m) until its first contact with the world outside
// its VM and returns the snapshot to seal into its image
// (image.BuildOptions.PreinitKVM): runs whose arguments, environment, CPU
// count and clock mode match start from it instead of starting the app's
// runtime again (see hyper/libos, TakeSnapshot and Resume). The app sees
// no host services while it is being snapshotted: it is frozen before its
// first host call.
func Preinit(ctx context.Context, exe []byte, files fs.FS, m *microvm.Manifest) (*microvm.Snapshot, error) {
	lim := m.Limits.Tighten(microvm.Limits{})
	args := m.Args
	if len(args) == 0 {
		args = []string{m.Name}
	}
	cfg := libosConfig(m, lim, args)
	if files != nil {
		cfg = cfg.WithFS(files)
	}
	s, err := libos.TakeSnapshot(ctx, cfg, exe)
	if err != nil {
		return nil, fmt.Errorf("kvm: pre-initialise %s: %w", m.Name, err)
	}
	defer s.Close()
	b, err := s.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &microvm.Snapshot{Memory: b, Entry: image.KVMSnapshotEntry}, nil
}

// maxSnapshots bounds the decoded snapshots an engine keeps.
const maxSnapshots = 64

// snapshot returns p's decoded snapshot, or nil when it has none or it
// does not decode (the image then starts as an ordinary one).
func (e *Engine) snapshot(p *microvm.Program) *libos.Snapshot {
	if p.Snapshot == nil || p.Snapshot.Entry != image.KVMSnapshotEntry {
		return nil
	}
	e.mu.Lock()
	s, ok := e.snaps[p.ID]
	e.mu.Unlock()
	if ok && p.ID != "" {
		return s
	}
	s, err := libos.DecodeSnapshot(p.Snapshot.Memory, p.Code)
	if err != nil {
		e.log.Warn("kvm: image snapshot unusable, starting the app normally", "image", p.ID, "err", err)
		s = nil
	}
	if p.ID == "" {
		return s
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if old, ok := e.snaps[p.ID]; ok {
		if s != nil {
			s.Close()
		}
		return old
	}
	if len(e.snaps) >= maxSnapshots {
		for id := range e.snaps {
			// Not closed: runs may still restore from it; its memfd
			// goes with the last reference.
			delete(e.snaps, id)
			break
		}
	}
	e.snaps[p.ID] = s
	return s
}
