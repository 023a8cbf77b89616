package access

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrOutside is returned, in an *fs.PathError, by OpenInside and
// StatInside for a path that lies outside every allowed folder: lexically,
// or once the symbolic links on its way are followed (an absolute link
// counts as outside, as os.Root has it).
var ErrOutside = errors.New("outside the allowed folders")

// OpenInside opens the file at p for reading through an os.Root of the
// first folder in roots that lexically contains p (after filepath.Abs and
// cleaning); a folder may be p itself. The root follows symbolic links
// only as long as they stay inside it, at the moment of the open.
//
// # Errors
//
// An *fs.PathError whose Path is p, with Err ErrOutside when no folder
// contains p (or its links lead out), fs.ErrNotExist (errors.Is) when it
// is inside but missing, or the system's error otherwise. Folders that
// contain p are tried in order until one opens it.
func OpenInside(roots []string, p string) (*os.File, error) {
	var f *os.File
	err := inside(roots, p, "open", func(r *os.Root, rel string) (err error) {
		f, err = r.Open(rel)
		return err
	})
	return f, err
}

// StatInside is OpenInside for os.Root.Stat: it returns the FileInfo of p,
// symbolic links followed within its folder, with OpenInside's errors.
func StatInside(roots []string, p string) (fs.FileInfo, error) {
	var fi fs.FileInfo
	err := inside(roots, p, "stat", func(r *os.Root, rel string) (err error) {
		fi, err = r.Stat(rel)
		return err
	})
	return fi, err
}

// inside runs op on the path of p relative to each folder of roots that
// lexically contains it, through that folder's os.Root, until one
// succeeds. It reports the most telling failure: missing over outside.
func inside(roots []string, p, opName string, op func(r *os.Root, rel string) error) error {
	if strings.IndexByte(p, 0) >= 0 {
		return &fs.PathError{Op: opName, Path: p, Err: ErrOutside}
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return &fs.PathError{Op: opName, Path: p, Err: err}
	}
	var best error = ErrOutside
	for _, root := range roots {
		ra, err := filepath.Abs(root)
		if err != nil {
			continue
		}
		rel, ok := within(ra, abs)
		if !ok {
			continue
		}
		r, err := os.OpenRoot(ra)
		if err == nil {
			err = op(r, rel)
			r.Close()
			if err == nil {
				return nil
			}
		}
		err = cause(err)
		if best == ErrOutside || errors.Is(err, fs.ErrNotExist) {
			best = err
		}
	}
	return &fs.PathError{Op: opName, Path: p, Err: best}
}

// within returns p relative to root when p is root or lies below it, both
// absolute and clean.
func within(root, p string) (string, bool) {
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return rel, true
}

// cause unwraps an os.Root error to what went wrong: a system error
// (ENOENT, EACCES, ENOTDIR, ELOOP…) stays as it is; anything else is the
// root refusing a path that escapes it (os does not export that error),
// which is ErrOutside.
func cause(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return err
	}
	return ErrOutside
}
