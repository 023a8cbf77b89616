// Command scratch-go writes, reads back, renames, lists and removes files
// under a directory (default /tmp) with the os package, printing what it
// sees: the same natively (in a temporary directory) and in a tier-2
// microVM with a scratch /tmp.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	dir := "/tmp"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	at := func(name string) string { return filepath.Join(dir, name) }
	show := func(what string, err error) {
		if err != nil {
			// The path in the error differs between runs: print the cause.
			var pe *fs.PathError
			var le *os.LinkError
			switch {
			case errors.As(err, &pe):
				err = pe.Err
			case errors.As(err, &le):
				err = le.Err
			}
			fmt.Printf("%s: %v\n", what, err)
			return
		}
		fmt.Printf("%s: ok\n", what)
	}

	show("MkdirAll work/logs", os.MkdirAll(at("work/logs"), 0o755))
	show("WriteFile work/data.txt", os.WriteFile(at("work/data.txt"), []byte("alpha\nbeta\ngamma\n"), 0o644))
	b, err := os.ReadFile(at("work/data.txt"))
	show("ReadFile", err)
	fmt.Printf("read back %d bytes: %q\n", len(b), b)

	f, err := os.OpenFile(at("work/logs/run.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	show("open run.log", err)
	w := bufio.NewWriter(f)
	for i := range 1000 {
		fmt.Fprintf(w, "entry %04d %s\n", i, strings.Repeat("x", i%50))
	}
	show("flush", w.Flush())
	show("sync", f.Sync())
	show("close", f.Close())
	st, err := os.Stat(at("work/logs/run.log"))
	show("stat run.log", err)
	fmt.Printf("run.log: %d bytes, regular %v, perm %v\n", st.Size(), st.Mode().IsRegular(), st.Mode().Perm())

	f, _ = os.OpenFile(at("work/data.txt"), os.O_RDWR, 0)
	_, err = f.WriteAt([]byte("BETA"), 6)
	show("WriteAt", err)
	show("Truncate 11", f.Truncate(11))
	_, err = f.Seek(0, io.SeekStart)
	show("Seek", err)
	b, _ = io.ReadAll(f)
	fmt.Printf("after WriteAt and Truncate: %q\n", b)
	f.Close()

	_, err = os.OpenFile(at("work/data.txt"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	show("O_EXCL on an existing file", err)
	show("Rename data.txt -> logs/data.old", os.Rename(at("work/data.txt"), at("work/logs/data.old")))
	_, err = os.Stat(at("work/data.txt"))
	fmt.Printf("old name gone: %v\n", errors.Is(err, fs.ErrNotExist))

	tmp, err := os.CreateTemp(at("work"), "t-*.bin")
	show("CreateTemp", err)
	tmp.Write(make([]byte, 5000))
	tmp.Close()

	ents, err := os.ReadDir(at("work"))
	show("ReadDir work", err)
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, "t-") {
			name = "t-*.bin"
		}
		fmt.Printf("  %s dir=%v\n", name, e.IsDir())
	}
	n := 0
	filepath.WalkDir(at("work"), func(path string, d fs.DirEntry, err error) error {
		n++
		return err
	})
	fmt.Printf("walked %d entries\n", n)

	show("Remove work (not empty)", os.Remove(at("work")))
	show("RemoveAll work", os.RemoveAll(at("work")))
	_, err = os.Stat(at("work"))
	fmt.Printf("work gone: %v\n", errors.Is(err, fs.ErrNotExist))
}
