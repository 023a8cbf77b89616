package vectordb

import (
	"bufio"
	"io"
	"os"
	"path/filepath"

	"nexusos/vectordb/internal/recordio"
)

// vfs is the slice of the file system the engine uses. Tests substitute an
// implementation that injects I/O errors.
type vfs interface {
	OpenFile(name string, flag int, perm os.FileMode) (vfile, error)
	Rename(oldname, newname string) error
	Remove(name string) error
	RemoveAll(name string) error
	MkdirAll(name string, perm os.FileMode) error
	ReadDir(name string) ([]os.DirEntry, error)
	Stat(name string) (os.FileInfo, error)
}

// vfile is an open file of a vfs.
type vfile interface {
	io.Reader
	io.Writer
	io.Seeker
	io.Closer
	Sync() error
	Truncate(size int64) error
	Stat() (os.FileInfo, error)
}

// osFS is the real file system.
type osFS struct{}

func (osFS) OpenFile(name string, flag int, perm os.FileMode) (vfile, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return f, nil
}
func (osFS) Rename(o, n string) error                     { return os.Rename(o, n) }
func (osFS) Remove(name string) error                     { return os.Remove(name) }
func (osFS) RemoveAll(name string) error                  { return os.RemoveAll(name) }
func (osFS) MkdirAll(name string, perm os.FileMode) error { return os.MkdirAll(name, perm) }
func (osFS) ReadDir(name string) ([]os.DirEntry, error)   { return os.ReadDir(name) }
func (osFS) Stat(name string) (os.FileInfo, error)        { return os.Stat(name) }

// syncDir fsyncs a directory so that renames and creations in it are
// durable.
func syncDir(fs vfs, dir string) error {
	d, err := fs.OpenFile(dir, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeFileAtomic writes data to name through a temporary file: write,
// fsync, rename, fsync the directory. A crash leaves either the old or the
// new content.
func writeFileAtomic(fs vfs, name string, data []byte) error {
	tmp := name + ".tmp"
	f, err := fs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		fs.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		fs.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		fs.Remove(tmp)
		return err
	}
	if err := fs.Rename(tmp, name); err != nil {
		fs.Remove(tmp)
		return err
	}
	return syncDir(fs, filepath.Dir(name))
}

// readFile reads a whole file of at most max bytes.
func readFile(fs vfs, name string, max int64) ([]byte, error) {
	f, err := fs.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &os.PathError{Op: "read", Path: name, Err: errTooLarge}
	}
	return data, nil
}

// writeAtomic replaces path with what write puts through a buffered
// writer: it writes a temporary file beside path, syncs it, renames it
// over path and syncs the directory; on any error the temporary file is
// removed and path is left as it was.
func writeAtomic(fs vfs, path string, write func(w *bufio.Writer) error) error {
	tmp := path + ".tmp"
	f, err := fs.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fs.Rename(tmp, path)
	}
	if err != nil {
		fs.Remove(tmp)
		return err
	}
	return syncDir(fs, filepath.Dir(path))
}

// recordWriter frames records (recordio) onto w.
type recordWriter struct {
	w   io.Writer
	buf []byte
}

// put writes body as one record.
func (r *recordWriter) put(body []byte) error {
	r.buf = recordio.Append(r.buf[:0], body)
	_, err := r.w.Write(r.buf)
	return err
}
