// Package fusefs mounts MemexFS as a read-only FUSE file system of
// virtual folders:
//
//	q/<any question>/         the files that answer the question
//	kind/<kind>/              files of a document kind; money kinds also
//	kind/<kind>/<status>/     have paid/, unpaid/ and overdue/
//	date/<year>/<Q1..Q4>/     by issue date
//	tag/<tag>/                by tag
//	party/<name>/             by counterparty
//
// Entries are regular files that read through to the original files;
// nothing is copied or moved. Listings are computed when read, so they
// follow the index live. The file system is safe for concurrent use.
package fusefs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"nexusos/memex"
	"nexusos/memex/facts"
)

// Entry is a file shown in a virtual folder.
type Entry struct {
	Name string // shown name (unique within the folder)
	Path string // the original file
}

// node describes a virtual folder: its sub-folders, its files, and how to
// open a sub-folder by name (which may accept names it does not list, as
// q/ does for questions).
type node func(ctx context.Context) (dirs []string, files []Entry, child func(name string) (node, bool))

// dir is a virtual folder.
type dir struct {
	fs.Inode
	n node
}

var (
	_ fs.NodeReaddirer = (*dir)(nil)
	_ fs.NodeLookuper  = (*dir)(nil)
	_ fs.NodeGetattrer = (*dir)(nil)
)

func (d *dir) Getattr(ctx context.Context, fh fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.Mode = syscall.S_IFDIR | 0o555
	return 0
}

func (d *dir) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	dirs, files, _ := d.n(ctx)
	var out []fuse.DirEntry
	for _, n := range dirs {
		out = append(out, fuse.DirEntry{Name: n, Mode: syscall.S_IFDIR})
	}
	for _, f := range files {
		out = append(out, fuse.DirEntry{Name: f.Name, Mode: syscall.S_IFREG})
	}
	return fs.NewListDirStream(out), 0
}

func (d *dir) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	_, files, child := d.n(ctx)
	for _, f := range files {
		if f.Name == name {
			st, err := os.Stat(f.Path)
			if err != nil {
				return nil, syscall.ENOENT
			}
			fillAttr(&out.Attr, st)
			return d.NewInode(ctx, &file{path: f.Path}, fs.StableAttr{Mode: syscall.S_IFREG}), 0
		}
	}
	if child != nil {
		if n, ok := child(name); ok {
			out.Mode = syscall.S_IFDIR | 0o555
			return d.NewInode(ctx, &dir{n: n}, fs.StableAttr{Mode: syscall.S_IFDIR}), 0
		}
	}
	return nil, syscall.ENOENT
}

func fillAttr(a *fuse.Attr, st os.FileInfo) {
	a.Mode = syscall.S_IFREG | 0o444
	a.Size = uint64(st.Size())
	t := st.ModTime()
	a.SetTimes(nil, &t, &t)
}

// file reads through to an original file.
type file struct {
	fs.Inode
	path string
}

var (
	_ fs.NodeOpener    = (*file)(nil)
	_ fs.NodeGetattrer = (*file)(nil)
)

func (f *file) Getattr(ctx context.Context, fh fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	st, err := os.Stat(f.path)
	if err != nil {
		return fs.ToErrno(err)
	}
	fillAttr(&out.Attr, st)
	return 0
}

func (f *file) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_APPEND|syscall.O_TRUNC) != 0 {
		return nil, 0, syscall.EROFS
	}
	fd, err := syscall.Open(f.path, syscall.O_RDONLY, 0)
	if err != nil {
		return nil, 0, fs.ToErrno(err)
	}
	return fs.NewLoopbackFile(fd), fuse.FOPEN_KEEP_CACHE, 0
}

// Root builds the root folder over m. now gives the reference day for
// "overdue".
func Root(m *memex.Memex, now func() time.Time) fs.InodeEmbedder {
	facets := map[string]func(*memex.FileRecord) []string{
		"kind": func(r *memex.FileRecord) []string {
			out := []string{r.Kind}
			if st := status(r, now()); st != "" {
				out = append(out, r.Kind+"/"+st)
			}
			return out
		},
		"date": func(r *memex.FileRecord) []string {
			y, q := yearQuarter(r)
			if y == "" {
				return nil
			}
			return []string{y, y + "/" + q}
		},
		"tag":   func(r *memex.FileRecord) []string { return r.Tags },
		"party": func(r *memex.FileRecord) []string { return []string{safeName(r.Party)} },
	}
	names := []string{"q", "kind", "date", "tag", "party"}
	root := func(context.Context) ([]string, []Entry, func(string) (node, bool)) {
		return names, nil, func(name string) (node, bool) {
			if name == "q" {
				return questions(m, now), true
			}
			if key, ok := facets[name]; ok {
				return facet(m, key, ""), true
			}
			return nil, false
		}
	}
	return &dir{n: root}
}

// status is the payment status shown under kind/<kind>/: an unpaid
// document past its due date is overdue.
func status(r *memex.FileRecord, now time.Time) string {
	if !facts.IsFinancial(r.Kind) || r.Status == "" {
		return ""
	}
	if r.Status == facts.StatusUnpaid {
		if s, ok := r.Facts["due_date"].(string); ok {
			if due, err := time.Parse(time.RFC3339, s); err == nil && due.Before(now) {
				return facts.StatusOverdue
			}
		}
	}
	return r.Status
}

// questions is q/: any name looked up is a question; its folder lists the
// files that answer it.
func questions(m *memex.Memex, now func() time.Time) node {
	return func(context.Context) ([]string, []Entry, func(string) (node, bool)) {
		return nil, nil, func(q string) (node, bool) {
			if strings.TrimSpace(q) == "" || strings.HasPrefix(q, ".") {
				return nil, false
			}
			return func(ctx context.Context) ([]string, []Entry, func(string) (node, bool)) {
				ans, err := m.Query(ctx, q, memex.QueryOptions{Now: now(), Limit: 50})
				if err != nil {
					return nil, nil, nil
				}
				var paths []string
				for _, r := range ans.Results {
					paths = append(paths, r.Path)
				}
				return nil, entries(paths), nil
			}, true
		}
	}
}

// facet lists, under prefix, the next path segment of every value of key
// as a folder, and as files the records whose value equals prefix.
func facet(m *memex.Memex, key func(*memex.FileRecord) []string, prefix string) node {
	return func(context.Context) ([]string, []Entry, func(string) (node, bool)) {
		sub := map[string]bool{}
		var paths []string
		recs := m.Files()
		for i := range recs {
			for _, v := range key(&recs[i]) {
				if v == "" {
					continue
				}
				if v == prefix {
					paths = append(paths, recs[i].Path)
					continue
				}
				rest, ok := strings.CutPrefix(v, prefix)
				if prefix != "" {
					rest, ok = strings.CutPrefix(v, prefix+"/")
				}
				if ok && rest != "" {
					sub[strings.SplitN(rest, "/", 2)[0]] = true
				}
			}
		}
		dirs := make([]string, 0, len(sub))
		for d := range sub {
			dirs = append(dirs, d)
		}
		sort.Strings(dirs)
		return dirs, entries(paths), func(name string) (node, bool) {
			if !sub[name] {
				return nil, false
			}
			p := name
			if prefix != "" {
				p = prefix + "/" + name
			}
			return facet(m, key, p), true
		}
	}
}

func yearQuarter(r *memex.FileRecord) (string, string) {
	s, _ := r.Facts["issue_date"].(string)
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return "", ""
	}
	return fmt.Sprint(ts.Year()), fmt.Sprintf("Q%d", (int(ts.Month())-1)/3+1)
}

func safeName(s string) string {
	s = strings.TrimSpace(strings.NewReplacer("/", "-", "\x00", "").Replace(s))
	if s == "." || s == ".." {
		return ""
	}
	return s
}

// entries names files uniquely within a folder.
func entries(paths []string) []Entry {
	sort.Strings(paths)
	seen := map[string]int{}
	var out []Entry
	for _, p := range paths {
		base := filepath.Base(p)
		name := base
		if n := seen[base]; n > 0 {
			ext := filepath.Ext(base)
			name = fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(base, ext), n+1, ext)
		}
		seen[base]++
		out = append(out, Entry{Name: name, Path: p})
	}
	return out
}

// Mount mounts the file system at dir and returns the server; call
// Unmount on it to detach. As root it mounts directly through /dev/fuse,
// otherwise through fusermount.
func Mount(dir string, m *memex.Memex, now func() time.Time) (*fuse.Server, error) {
	sec := time.Second
	opts := &fs.Options{
		EntryTimeout: &sec,
		AttrTimeout:  &sec,
		MountOptions: fuse.MountOptions{FsName: "memexfs", Name: "memexfs", DirectMount: os.Geteuid() == 0},
	}
	srv, err := fs.Mount(dir, Root(m, now), opts)
	if err != nil {
		return nil, fmt.Errorf("mount MemexFS at %s: %w", dir, err)
	}
	return srv, nil
}
