//go:build linux && amd64

package runtime

import (
	"io/fs"
	"os"
	"path"

	"nexusos/hyper/libos"
	"nexusos/microvm"
)

// haveTier2 says whether this build runs tier-2 (KVM) microVMs.
const haveTier2 = true

// MountTree opens host directories read-only (each through an os.Root,
// so symbolic links cannot leave it) and joins them at their guest paths
// into one tree for a tier-2 program (libos.Config.WithFS). close releases
// the roots once the program has ended. A directory that cannot be opened
// fails with a *MountError naming it.
func MountTree(mounts []microvm.Mount) (fsys fs.FS, close func(), err error) {
	tree := map[string]fs.FS{}
	var roots []*os.Root
	close = func() {
		for _, r := range roots {
			r.Close()
		}
	}
	for _, m := range mounts {
		r, err := os.OpenRoot(m.Host)
		if err != nil {
			close()
			return nil, nil, &MountError{Host: m.Host, Err: err}
		}
		roots = append(roots, r)
		tree[path.Clean(m.Guest)] = r.FS()
	}
	if fsys, err = libos.MountFS(tree); err != nil {
		close()
		return nil, nil, err
	}
	return fsys, close, nil
}
