package image

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MaxFiles bounds the entries of a sealed file tree.
const MaxFiles = 1 << 16

// A sealed file tree (a tier-2 image's read-only "/") is a ZIP archive
// (PKWARE APPNOTE.TXT 6.3) whose entries are all stored uncompressed
// (method 0) under clean relative slash-separated names, with zero
// modification times so the same tree always gives the same bytes. Stored
// entries let OpenFiles serve each file as a window of the image in
// memory: no decompression, no copy, and random access (pread) for free.

// ArchiveDir packs the regular files and directories under dir into a
// sealed file tree. Symbolic links and other special files are refused,
// so what is sealed is exactly what the app will see.
func ArchiveDir(dir string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	n := 0
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		name := filepath.ToSlash(rel)
		if n++; n > MaxFiles {
			return fmt.Errorf("more than %d files", MaxFiles)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			_, err := zw.CreateHeader(&zip.FileHeader{Name: name + "/", Method: zip.Store, ExternalAttrs: uint32(fs.ModeDir|info.Mode().Perm()) << 16})
			return err
		case info.Mode().IsRegular():
			if total += info.Size(); total > MaxModuleSize {
				return fmt.Errorf("files larger than %d bytes in all", MaxModuleSize)
			}
			h := &zip.FileHeader{Name: name, Method: zip.Store}
			h.SetMode(info.Mode().Perm())
			w, err := zw.CreateHeader(h)
			if err != nil {
				return err
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(w, f)
			return err
		default:
			return fmt.Errorf("%s: %s is not sealed (only regular files and directories are)", name, info.Mode().Type())
		}
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("seal files of %s: %w", dir, err)
	}
	return buf.Bytes(), nil
}

// OpenFiles checks a sealed file tree and returns it as a read-only file
// system. Regular files implement io.ReaderAt and io.Seeker over archive,
// which must not change afterwards. The result is safe for concurrent use.
func OpenFiles(archive []byte) (fs.FS, error) {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: files: %v", ErrFormat, err)
	}
	if len(zr.File) > MaxFiles {
		return nil, fmt.Errorf("%w: files: %d entries, at most %d", ErrFormat, len(zr.File), MaxFiles)
	}
	a := &archiveFS{zr: zr, data: bytes.NewReader(archive), files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		name := strings.TrimSuffix(f.Name, "/")
		if !fs.ValidPath(name) || name == "." || strings.Contains(f.Name, `\`) {
			return nil, fmt.Errorf("%w: files: bad name %q", ErrFormat, f.Name)
		}
		if f.Method != zip.Store || f.CompressedSize64 != f.UncompressedSize64 {
			return nil, fmt.Errorf("%w: files: %s is compressed (want stored entries)", ErrFormat, name)
		}
		off, err := f.DataOffset()
		if err != nil || off < 0 || uint64(off)+f.UncompressedSize64 > uint64(len(archive)) {
			return nil, fmt.Errorf("%w: files: %s lies outside the archive", ErrFormat, name)
		}
		if _, dup := a.files[name]; dup {
			return nil, fmt.Errorf("%w: files: %s appears twice", ErrFormat, name)
		}
		a.files[name] = f
	}
	return a, nil
}

// archiveFS serves stored files as windows of the archive and leaves
// directories (listed or implied) to archive/zip.
type archiveFS struct {
	zr    *zip.Reader
	data  *bytes.Reader
	files map[string]*zip.File
}

func (a *archiveFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if f, ok := a.files[name]; ok && !f.Mode().IsDir() {
		off, _ := f.DataOffset() // checked by OpenFiles
		return &archiveFile{SectionReader: io.NewSectionReader(a.data, off, int64(f.UncompressedSize64)), info: f.FileInfo()}, nil
	}
	return a.zr.Open(name)
}

// archiveFile is one open stored file.
type archiveFile struct {
	*io.SectionReader
	info fs.FileInfo
}

func (f *archiveFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *archiveFile) Close() error               { return nil }
