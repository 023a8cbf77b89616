//go:build linux && amd64

package main

import (
	"context"
	"io/fs"
	"log/slog"

	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/kvm"
)

func init() {
	tierEngines[microvm.TierKVM] = tierEngine{open: openKVMEngine, check: kvm.Check}
}

// openKVMEngine returns the tier-2 engine for img, serving its sealed
// files.
func openKVMEngine(_ context.Context, img *image.Image, logger *slog.Logger) (microvm.Engine, func(), error) {
	fsys, err := img.FilesFS()
	if err != nil {
		return nil, nil, err
	}
	cfg := kvm.NewConfig().WithLogger(logger).WithFiles(func(p *microvm.Program) (fs.FS, error) {
		if p.ID != img.Digest || fsys == nil {
			return nil, nil
		}
		return fsys, nil
	})
	eng, err := kvm.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	return eng, func() {}, nil
}
