package vectordb

import (
	"errors"
	"os"
	"sync"
)

// errFS wraps the OS file system and fails operations chosen by inject,
// which sees the operation ("open", "write", "sync", "truncate", "rename",
// "remove") and the path.
type errFS struct {
	osFS
	mu     sync.Mutex
	inject func(op, name string) error
}

var errInjected = errors.New("injected I/O error")

func (f *errFS) check(op, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inject == nil {
		return nil
	}
	return f.inject(op, name)
}

func (f *errFS) setInject(fn func(op, name string) error) {
	f.mu.Lock()
	f.inject = fn
	f.mu.Unlock()
}

func (f *errFS) OpenFile(name string, flag int, perm os.FileMode) (vfile, error) {
	if err := f.check("open", name); err != nil {
		return nil, err
	}
	file, err := f.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &errFile{vfile: file, fs: f, name: name}, nil
}

func (f *errFS) Rename(o, n string) error {
	if err := f.check("rename", n); err != nil {
		return err
	}
	return f.osFS.Rename(o, n)
}

func (f *errFS) Remove(name string) error {
	if err := f.check("remove", name); err != nil {
		return err
	}
	return f.osFS.Remove(name)
}

type errFile struct {
	vfile
	fs   *errFS
	name string
}

func (f *errFile) Write(p []byte) (int, error) {
	if err := f.fs.check("write", f.name); err != nil {
		// A torn write: half the bytes reach the file.
		n, _ := f.vfile.Write(p[:len(p)/2])
		return n, err
	}
	return f.vfile.Write(p)
}

func (f *errFile) Sync() error {
	if err := f.fs.check("sync", f.name); err != nil {
		return err
	}
	return f.vfile.Sync()
}

func (f *errFile) Truncate(size int64) error {
	if err := f.fs.check("truncate", f.name); err != nil {
		return err
	}
	return f.vfile.Truncate(size)
}

// noSyncFS is the OS file system with fsync turned off, for fast fuzzing.
type noSyncFS struct{ osFS }

func (noSyncFS) OpenFile(name string, flag int, perm os.FileMode) (vfile, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return noSyncFile{f}, nil
}

type noSyncFile struct{ *os.File }

func (noSyncFile) Sync() error { return nil }
