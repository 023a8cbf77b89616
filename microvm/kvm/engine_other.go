//go:build !(linux && amd64)

package kvm

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"

	"nexusos/microvm"
)

// ErrUnsupported is returned by New on platforms without the KVM monitor.
var ErrUnsupported = errors.New("kvm: tier-2 microVMs need linux/amd64")

// Config configures an Engine.
type Config struct{}

// NewConfig returns the default configuration.
func NewConfig() Config { return Config{} }

// WithLogger is accepted and ignored.
func (c Config) WithLogger(*slog.Logger) Config { return c }

// WithFiles is accepted and ignored.
func (c Config) WithFiles(FilesFunc) Config { return c }

// Engine is unavailable on this platform.
type Engine struct{}

var _ microvm.Engine = (*Engine)(nil)

// New reports ErrUnsupported.
func New(Config) (*Engine, error) { return nil, ErrUnsupported }

// Check reports ErrUnsupported.
func Check(*microvm.Program) error { return ErrUnsupported }

// Close does nothing.
func (*Engine) Close(context.Context) error { return nil }

// Prepare reports ErrUnsupported.
func (*Engine) Prepare(context.Context, *microvm.Program) error { return ErrUnsupported }

// Run reports ErrUnsupported.
func (*Engine) Run(context.Context, *microvm.Program, microvm.RunConfig) (microvm.Status, error) {
	return microvm.Status{}, ErrUnsupported
}

// Preinit reports ErrUnsupported.
func Preinit(context.Context, []byte, fs.FS, *microvm.Manifest) (*microvm.Snapshot, error) {
	return nil, ErrUnsupported
}

// Prebuild does nothing.
func Prebuild(uint64) {}

// ReleaseSpare does nothing.
func ReleaseSpare() {}

// LeaveToExit does nothing.
func LeaveToExit() {}

// LeftDescriptors returns none.
func LeftDescriptors() []int { return nil }

// Prewarm does nothing.
func Prewarm(string) {}
