//go:build linux && amd64

package main

import (
	"context"
	"log/slog"

	"nexusos/microvm"
	"nexusos/microvm/image"
	"nexusos/microvm/kvm"
)

func init() {
	tierEngines[microvm.TierKVM] = tierEngine{open: openKVMEngine, check: kvm.Check}
}

// openKVMEngine returns the tier-2 engine for img.
func openKVMEngine(_ context.Context, img *image.Image, logger *slog.Logger) (microvm.Engine, func(), error) {
	eng, err := kvm.New(kvm.NewConfig().WithLogger(logger))
	if err != nil {
		return nil, nil, err
	}
	return eng, func() {}, nil
}
