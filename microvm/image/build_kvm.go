package image

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"nexusos/microvm"
)

// elfMagic starts every ELF file.
var elfMagic = []byte("\x7fELF")

// IsELF reports whether b starts like an ELF file.
func IsELF(b []byte) bool { return bytes.HasPrefix(b, elfMagic) }

// CheckStaticELF reports whether b is an executable tier 2 can load: a
// 64-bit little-endian x86-64 executable (ET_EXEC, or ET_DYN for
// static-PIE) with no program interpreter, i.e. statically linked. The
// monitor's loader (hyper.ParseELF) checks the rest when the image runs.
func CheckStaticELF(b []byte) error {
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("not an ELF executable: %w", err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB || f.Machine != elf.EM_X86_64 {
		return fmt.Errorf("ELF for %s/%s, want a 64-bit x86-64 executable", f.Class, f.Machine)
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("ELF type %s is not an executable", f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("dynamically linked (it needs a program interpreter); link it statically (gcc -static, musl-gcc -static, CGO_ENABLED=0 go build)")
		}
	}
	if f.Type == elf.ET_DYN && f.Entry == 0 {
		return fmt.Errorf("a shared library, not an executable")
	}
	return nil
}

// BuildGoStatic compiles the Go main package in dir as a static Linux
// x86-64 executable (CGO_ENABLED=0 GOOS=linux GOARCH=amd64) for tier 2.
// Apps that call MemexFS or Cortex import nexusos/sdk/go/nexus, whose
// linux/amd64 build uses the tier-2 system-call transport. Compiler output
// is returned in the error when the build fails.
func BuildGoStatic(ctx context.Context, dir string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "nexus-build-*")
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "app")
	return runGoBuild(ctx, dir, out, []string{"build", "-trimpath", "-o", out}, "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
}

// ReadExecutable returns the tier-2 program that path stands for: a static
// ELF file as is, or a Go package directory built by BuildGoStatic. kind
// is "elf" or "go".
func ReadExecutable(ctx context.Context, path string) (exe []byte, kind string, err error) {
	return readProgram(ctx, path, BuildGoStatic, "elf", func(b []byte) error {
		if !IsELF(b) {
			return errors.New("is neither a Go package directory nor an ELF executable")
		}
		if err := CheckStaticELF(b); err != nil {
			return fmt.Errorf("is not usable: %w", err)
		}
		return nil
	})
}

// buildKVM seals a tier-2 image: the static executable o.Path stands for
// and, with o.Files, a directory as its file tree.
func buildKVM(ctx context.Context, o BuildOptions, m Manifest) (*Built, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("build %s: %w", o.Path, err)
	}
	exe, kind, err := ReadExecutable(ctx, o.Path)
	if err != nil {
		return nil, err
	}
	m.Source = kind
	var files []byte
	if o.Files != "" {
		if files, err = ArchiveDir(o.Files); err != nil {
			return nil, fmt.Errorf("build %s: %w", o.Path, err)
		}
	}
	var snap *microvm.Snapshot
	var warning string
	if o.PreinitKVM != nil && kind == "go" {
		if snap, err = preinitKVM(ctx, o, m, exe, files); err != nil {
			warning = fmt.Sprintf("pre-initialisation skipped, the app starts its runtime on every run: %v", err)
			snap = nil
		}
	}
	img, err := seal(m, exe, snap, files)
	if err != nil {
		return nil, err
	}
	if o.SignKey != nil {
		img.Sign(o.SignKey)
	}
	return &Built{Image: img, Warning: warning}, nil
}

// preinitKVM snapshots a tier-2 Go app with o.PreinitKVM.
func preinitKVM(ctx context.Context, o BuildOptions, m Manifest, exe, files []byte) (*microvm.Snapshot, error) {
	if len(m.Capabilities.Mounts) > 0 {
		// What the app reads from mounts while starting may differ at
		// run time; sealed files cannot.
		return nil, errors.New("apps with mounted directories are not pre-initialised")
	}
	var fsys fs.FS
	if len(files) > 0 {
		var err error
		if fsys, err = OpenFiles(files); err != nil {
			return nil, err
		}
	}
	snap, err := o.PreinitKVM(ctx, exe, fsys, &m.Manifest)
	if err != nil {
		return nil, err
	}
	if snap.Entry != KVMSnapshotEntry || len(snap.Memory) == 0 {
		return nil, errors.New("the snapshotter returned no tier-2 snapshot")
	}
	return snap, nil
}

// KVMSnapshotEntry is the Entry of a tier-2 snapshot: Memory then holds a
// library-OS snapshot (hyper/libos.Snapshot's encoding), not linear
// memory.
const KVMSnapshotEntry = "libos-snapshot-1"
