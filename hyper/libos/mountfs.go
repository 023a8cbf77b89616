//go:build linux && amd64

package libos

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// MountFS combines read-only file trees mounted at guest directories into
// the one tree a program sees, the way an image manifest's mounts do:
//
//	MountFS(map[string]fs.FS{"/": imageFiles, "/data/invoices": root.FS()})
//
// A name belongs to the mount with the longest matching directory;
// directories that only lead to mount points are made up (read-only,
// listing the next path element of each mount below them). Mount points
// must be absolute, clean paths. The result is safe for concurrent use if
// the mounted trees are.
func MountFS(mounts map[string]fs.FS) (fs.FS, error) {
	m := &mountFS{mounts: map[string]fs.FS{}}
	for p, f := range mounts {
		if !strings.HasPrefix(p, "/") || path.Clean(p) != p {
			return nil, fmt.Errorf("mount point %q: want an absolute clean path", p)
		}
		name := strings.TrimPrefix(p, "/")
		if name == "" {
			name = "."
		}
		m.mounts[name] = f
		m.points = append(m.points, name)
	}
	// Longest first, so the first match is the deepest mount.
	sort.Slice(m.points, func(i, j int) bool { return len(m.points[i]) > len(m.points[j]) })
	return m, nil
}

type mountFS struct {
	mounts map[string]fs.FS
	points []string
}

// lookup finds the mount holding name and the name inside it.
func (m *mountFS) lookup(name string) (fs.FS, string, bool) {
	for _, p := range m.points {
		switch {
		case p == ".":
			return m.mounts[p], name, true
		case name == p:
			return m.mounts[p], ".", true
		case strings.HasPrefix(name, p+"/"):
			return m.mounts[p], name[len(p)+1:], true
		}
	}
	return nil, "", false
}

// children lists the next elements of mount points strictly below dir.
func (m *mountFS) children(dir string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range m.points {
		rest := p
		if dir != "." {
			if !strings.HasPrefix(p, dir+"/") {
				continue
			}
			rest = p[len(dir)+1:]
		} else if p == "." {
			continue
		}
		el, _, _ := strings.Cut(rest, "/")
		if !seen[el] {
			seen[el] = true
			out = append(out, el)
		}
	}
	sort.Strings(out)
	return out
}

func (m *mountFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	kids := m.children(name)
	if f, sub, ok := m.lookup(name); ok {
		file, err := f.Open(sub)
		if err == nil && sub == "." && name != "." {
			file = renamedFile{file, path.Base(name)}
		}
		if err == nil && len(kids) > 0 {
			// A directory of a mount with mount points below it: list
			// both (a mount point hides an entry of the same name).
			if dir, ok := file.(fs.ReadDirFile); ok {
				ents, err := dir.ReadDir(-1)
				file.Close()
				if err != nil {
					return nil, err
				}
				info, err := m.stat(name)
				if err != nil {
					return nil, err
				}
				return &synthDir{m: m, name: name, kids: kids, under: ents, info: info}, nil
			}
		}
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return file, err
		}
	}
	if len(kids) > 0 {
		return &synthDir{m: m, name: name, kids: kids}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// ReadLink implements fs.ReadLinkFS for mounts that support it.
func (m *mountFS) ReadLink(name string) (string, error) {
	f, sub, ok := m.lookup(name)
	if !ok {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrNotExist}
	}
	return fs.ReadLink(f, sub)
}

// Lstat implements fs.ReadLinkFS.
func (m *mountFS) Lstat(name string) (fs.FileInfo, error) {
	if f, sub, ok := m.lookup(name); ok {
		info, err := fs.Lstat(f, sub)
		if err == nil && sub == "." && name != "." {
			info = renamedInfo{info, path.Base(name)}
		}
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return info, err
		}
	}
	return m.stat(name)
}

// stat returns name's information, named as in this tree.
func (m *mountFS) stat(name string) (fs.FileInfo, error) {
	if f, sub, ok := m.lookup(name); ok {
		info, err := fs.Stat(f, sub)
		if err == nil && sub == "." && name != "." {
			info = renamedInfo{info, path.Base(name)}
		}
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return info, err
		}
	}
	if len(m.children(name)) > 0 {
		return synthInfo(path.Base(name)), nil
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

// renamedFile and renamedInfo give a mount's root the name of its mount
// point.
type renamedFile struct {
	fs.File
	name string
}

func (f renamedFile) Stat() (fs.FileInfo, error) {
	info, err := f.File.Stat()
	if err != nil {
		return nil, err
	}
	return renamedInfo{info, f.name}, nil
}

func (f renamedFile) ReadDir(n int) ([]fs.DirEntry, error) {
	if d, ok := f.File.(fs.ReadDirFile); ok {
		return d.ReadDir(n)
	}
	return nil, &fs.PathError{Op: "readdir", Path: f.name, Err: errors.New("not a directory")}
}

type renamedInfo struct {
	fs.FileInfo
	name string
}

func (i renamedInfo) Name() string { return i.name }

// synthDir is a directory leading to mount points: made up, or a mounted
// directory (under, info) with mount points added.
type synthDir struct {
	m     *mountFS
	name  string
	kids  []string
	under []fs.DirEntry
	info  fs.FileInfo
	ents  []fs.DirEntry
	pos   int
}

func (d *synthDir) Stat() (fs.FileInfo, error) {
	if d.info != nil {
		return d.info, nil
	}
	return synthInfo(path.Base(d.name)), nil
}
func (d *synthDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}
func (d *synthDir) Close() error { return nil }

func (d *synthDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if d.ents == nil {
		hidden := map[string]bool{}
		for _, k := range d.kids {
			hidden[k] = true
			info, err := d.m.stat(path.Join(d.name, k))
			if err != nil {
				info = synthInfo(k)
			}
			d.ents = append(d.ents, fs.FileInfoToDirEntry(info))
		}
		for _, e := range d.under {
			if !hidden[e.Name()] {
				d.ents = append(d.ents, e)
			}
		}
		sort.Slice(d.ents, func(i, j int) bool { return d.ents[i].Name() < d.ents[j].Name() })
	}
	rest := d.ents[d.pos:]
	if n > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if n > 0 && len(rest) > n {
		rest = rest[:n]
	}
	d.pos += len(rest)
	return append([]fs.DirEntry(nil), rest...), nil
}

type synthInfo string

func (s synthInfo) Name() string       { return string(s) }
func (s synthInfo) Size() int64        { return 0 }
func (s synthInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
func (s synthInfo) ModTime() time.Time { return time.Time{} }
func (s synthInfo) IsDir() bool        { return true }
func (s synthInfo) Sys() any           { return nil }
