package memex

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// WatchEvent reports one change applied to the index by Watch.
type WatchEvent struct {
	Path    string
	Action  string // "indexed", "removed", "skipped", "error"
	Details string
}

// Watch keeps the index of paths live until ctx is done: created and
// changed files are (re)indexed, deleted and renamed-away files removed.
// Events are debounced (a burst of writes to one file indexes it once).
func (m *Memex) Watch(ctx context.Context, paths []string, report func(WatchEvent)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	addTree := func(root string) error {
		return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return w.Add(p)
			}
			return nil
		})
	}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		if err := addTree(abs); err != nil {
			return err
		}
	}
	pending := map[string]time.Time{}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	const settle = 300 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-w.Errors:
			report(WatchEvent{Action: "error", Details: err.Error()})
		case ev := <-w.Events:
			if strings.HasPrefix(filepath.Base(ev.Name), ".") {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					_ = addTree(ev.Name)
				}
			}
			pending[ev.Name] = time.Now()
		case now := <-tick.C:
			for p, t := range pending {
				if now.Sub(t) < settle {
					continue
				}
				delete(pending, p)
				m.applyChange(ctx, p, report)
			}
		}
	}
}

func (m *Memex) applyChange(ctx context.Context, p string, report func(WatchEvent)) {
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		n, err := m.Remove(ctx, p)
		if err == nil {
			report(WatchEvent{Path: p, Action: "removed", Details: plural(n, "file")})
		}
		return
	}
	sum, err := m.Add(ctx, []string{p}, nil)
	switch {
	case err != nil:
		report(WatchEvent{Path: p, Action: "error", Details: err.Error()})
	case len(sum.Skipped) > 0:
		report(WatchEvent{Path: p, Action: "skipped", Details: sum.Skipped[0].Reason})
	case sum.Indexed > 0:
		report(WatchEvent{Path: p, Action: "indexed", Details: plural(sum.Indexed, "file")})
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
