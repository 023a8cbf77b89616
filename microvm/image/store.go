package image

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"nexusos/microvm"
)

// ErrNotFound is returned (wrapped) when a reference names no image.
var ErrNotFound = errors.New("image: not found")

// Store keeps sealed images under one directory (<home>/images). It is safe
// for concurrent use by goroutines and processes: writes go to a temporary
// file and are renamed into place.
type Store struct {
	dir string
}

// OpenStore opens (creating if needed) the store in dir.
func OpenStore(dir string) (*Store, error) {
	for _, d := range []string{"sha256", "names", "cache"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("open image store %s: %w", dir, err)
		}
	}
	return &Store{dir: dir}, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// CacheDir is where the compiled native code of stored images lives.
func (s *Store) CacheDir() string { return filepath.Join(s.dir, "cache") }

func (s *Store) path(digest string) string {
	return filepath.Join(s.dir, "sha256", strings.TrimPrefix(digest, "sha256:")+".nxi")
}

// Put stores img and points its name at it.
func (s *Store) Put(img *Image) error {
	if err := writeAtomic(s.path(img.Digest), img.Bytes(), 0o644); err != nil {
		return fmt.Errorf("store image %s: %w", img.Digest, err)
	}
	if err := writeAtomic(filepath.Join(s.dir, "names", img.Manifest.Name), []byte(img.Digest+"\n"), 0o644); err != nil {
		return fmt.Errorf("store name %s: %w", img.Manifest.Name, err)
	}
	return nil
}

func writeAtomic(path string, b []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Resolve turns a reference into a stored image's digest. A reference is a
// name, a digest ("sha256:<hex>") or an unambiguous prefix of at least 6
// hex digits of one.
func (s *Store) Resolve(ref string) (string, error) {
	if microvm.ValidName(ref) {
		b, err := os.ReadFile(filepath.Join(s.dir, "names", ref))
		if err == nil {
			return strings.TrimSpace(string(b)), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("resolve %s: %w", ref, err)
		}
	}
	hexPart := strings.TrimPrefix(ref, "sha256:")
	if len(hexPart) < 6 || strings.Trim(hexPart, "0123456789abcdef") != "" {
		return "", fmt.Errorf("resolve %s: %w", ref, ErrNotFound)
	}
	ents, err := os.ReadDir(filepath.Join(s.dir, "sha256"))
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", ref, err)
	}
	var found []string
	for _, e := range ents {
		n := strings.TrimSuffix(e.Name(), ".nxi")
		if strings.HasSuffix(e.Name(), ".nxi") && strings.HasPrefix(n, hexPart) {
			found = append(found, "sha256:"+n)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("resolve %s: %w", ref, ErrNotFound)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("resolve %s: ambiguous, matches %d images", ref, len(found))
}

// Load reads and decodes the image ref names, checks that its content
// matches the digest it is stored under, and applies the trust policy of
// Verify.
func (s *Store) Load(ref string, trusted ...ed25519.PublicKey) (*Image, error) {
	digest, err := s.Resolve(ref)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(s.path(digest))
	if err != nil {
		return nil, fmt.Errorf("load image %s: %w", digest, err)
	}
	img, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("load image %s: %w", digest, err)
	}
	if img.Digest != digest {
		return nil, fmt.Errorf("load image %s: manifest hashes to %s: %w", digest, img.Digest, ErrTampered)
	}
	if err := img.Verify(trusted...); err != nil {
		return nil, err
	}
	return img, nil
}

// ReadFile reads, decodes and verifies a sealed image file outside the
// store.
func ReadFile(path string, trusted ...ed25519.PublicKey) (*Image, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read image: %w", err)
	}
	if st.Size() > MaxModuleSize+MaxManifestSize+64<<10 {
		return nil, fmt.Errorf("read image %s: %w: file too large", path, ErrFormat)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read image: %w", err)
	}
	img, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", path, err)
	}
	if err := img.Verify(trusted...); err != nil {
		return nil, err
	}
	return img, nil
}

// Entry is one stored image in a listing.
type Entry struct {
	Digest  string
	Name    string
	Version string
	Tier    string
	Size    int64
	Signer  string // key id, empty when unsigned
	Latest  bool   // the name points at this image
	Created time.Time
}

// List returns the stored images, newest first. Unreadable files are
// listed with their error as the name, so a broken store is visible.
func (s *Store) List() ([]Entry, error) {
	ents, err := os.ReadDir(filepath.Join(s.dir, "sha256"))
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	var out []Entry
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".nxi") {
			continue
		}
		digest := "sha256:" + strings.TrimSuffix(e.Name(), ".nxi")
		info, err := e.Info()
		if err != nil {
			continue
		}
		ent := Entry{Digest: digest, Size: info.Size(), Created: info.ModTime()}
		b, err := os.ReadFile(s.path(digest))
		if err == nil {
			var img *Image
			if img, err = Decode(b); err == nil && img.Digest != digest {
				err = ErrTampered
			}
			if err == nil {
				ent.Name, ent.Version, ent.Tier = img.Manifest.Name, img.Manifest.Version, img.Manifest.Tier
				if img.Signature != nil {
					ent.Signer = img.Signature.KeyID()
				}
				if d, rerr := s.Resolve(img.Manifest.Name); rerr == nil && d == digest {
					ent.Latest = true
				}
			}
		}
		if err != nil {
			ent.Name = "(" + err.Error() + ")"
		}
		out = append(out, ent)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}
