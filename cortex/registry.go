package cortex

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"nexusos/cortex/gguf"
)

// ModelsDir returns the directory of added models under a NexusOS home.
func ModelsDir(home string) string { return filepath.Join(home, "models") }

// Add registers a GGUF file under home/models as NAME.gguf: a symbolic link
// to the absolute path, or a copy when copyFile is set. The file must parse
// as GGUF. An empty name uses the file's base name.
func Add(home, file, name string, copyFile bool) (string, error) {
	f, err := gguf.Open(file)
	if err != nil {
		return "", err
	}
	f.Close()
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(file), ".gguf")
	}
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return "", fmt.Errorf("cortex: invalid model name %q", name)
	}
	dir := ModelsDir(home)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cortex: add: %w", err)
	}
	dst := filepath.Join(dir, name+".gguf")
	if _, err := os.Lstat(dst); err == nil {
		return "", fmt.Errorf("cortex: add: model %q already exists (%s)", name, dst)
	}
	if !copyFile {
		abs, err := filepath.Abs(file)
		if err != nil {
			return "", fmt.Errorf("cortex: add: %w", err)
		}
		if err := os.Symlink(abs, dst); err != nil {
			return "", fmt.Errorf("cortex: add: %w", err)
		}
		return name, nil
	}
	in, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("cortex: add: %w", err)
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return "", fmt.Errorf("cortex: add: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return "", fmt.Errorf("cortex: add: copy %s: %w", file, err)
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("cortex: add: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", fmt.Errorf("cortex: add: %w", err)
	}
	return name, nil
}

// List returns the names of the added models.
func List(home string) ([]string, error) {
	ents, err := os.ReadDir(ModelsDir(home))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cortex: list models: %w", err)
	}
	var names []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".gguf"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

// Resolve turns a model argument into a file path: an existing file, or
// the name of a model added under home.
func Resolve(home, model string) (string, error) {
	if model == "" {
		return "", fmt.Errorf("cortex: no model given")
	}
	if st, err := os.Stat(model); err == nil && !st.IsDir() {
		return model, nil
	}
	p := filepath.Join(ModelsDir(home), model+".gguf")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("cortex: model %q is neither a file nor an added model (see nexus cortex list)", model)
}
