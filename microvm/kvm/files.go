package kvm

import (
	"io/fs"

	"nexusos/microvm"
)

// FilesFunc returns the read-only file tree sealed into p's image (the
// guest's "/"; see image.Image.FilesFS), or nil when the image has none.
// It is called once per run and must be safe for concurrent use.
type FilesFunc func(p *microvm.Program) (fs.FS, error)
