package image

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// OCIImage is a NexusOS image read from an OCI image layout.
type OCIImage struct {
	*Image
	// Ref is the manifest's org.opencontainers.image.ref.name in
	// index.json; empty when it has none.
	Ref string
	// ManifestDigest is the digest of the OCI manifest.
	ManifestDigest string
}

// ReadOCI reads the NexusOS images held by the OCI image layout at path:
// a tar archive (as WriteOCI writes it, or `ctr image export` and other
// tools) or a directory in that layout (a local registry directory).
// With ref set, only the manifest whose ref name is ref is read.
//
// Every blob read is checked against its descriptor's digest and size
// before it is used, and in an archive every blob is; each sealed layer is
// decoded and verified as Decode and Verify(trusted...) do, and the
// manifest's config and annotations must agree with it. All images are
// checked before any is returned: an error means nothing was read.
// Manifests of other kinds (container images, other artifacts) are
// skipped; when none is a NexusOS image the error is ErrNotNexus.
//
// # Errors
//
// ErrOCILayout (structure, JSON, unsafe or duplicate entry names, entry
// types other than files and directories), ErrOCILimit (a size or count
// above its bound, checked before reading), ErrOCIMissingBlob,
// ErrTampered (a blob that does not match its descriptor, or config and
// annotations that do not match the sealed image), ErrNotNexus,
// ErrNotFound (no manifest named ref), and those of Decode and Verify:
// ErrFormat, ErrBadSignature, ErrUnsigned, ErrUntrusted.
func ReadOCI(path, ref string, trusted ...ed25519.PublicKey) ([]OCIImage, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if st.IsDir() {
		root, err := os.OpenRoot(path)
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		defer root.Close()
		imgs, err := readLayout(dirLayout{root}, ref, trusted)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", path, err)
		}
		return imgs, nil
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("import %s: %w: neither a regular file nor a directory", path, ErrOCILayout)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	imgs, err := DecodeOCI(f, st.Size(), ref, trusted...)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	return imgs, nil
}

// DecodeOCI is ReadOCI for an archive of size bytes read through r.
func DecodeOCI(r io.ReaderAt, size int64, ref string, trusted ...ed25519.PublicKey) ([]OCIImage, error) {
	if size < 0 || size > MaxOCIArchive {
		return nil, fmt.Errorf("%w: archive of %d bytes (limit %d)", ErrOCILimit, size, int64(MaxOCIArchive))
	}
	var magic [2]byte
	if n, _ := r.ReadAt(magic[:], 0); n == 2 && magic == [2]byte{0x1f, 0x8b} {
		return nil, fmt.Errorf("%w: a gzip stream; decompress it first (gunzip)", ErrOCILayout)
	}
	src, err := scanTar(r, size)
	if err != nil {
		return nil, err
	}
	return readLayout(src, ref, trusted)
}

// layout is where the files of an OCI image layout are read from.
type layout interface {
	// open returns the regular file name (a valid fs path) and its size;
	// an error wrapping fs.ErrNotExist when there is none.
	open(name string) (io.ReadCloser, int64, error)
}

// dirLayout reads a directory; os.Root keeps every path inside it.
type dirLayout struct{ root *os.Root }

func (d dirLayout) open(name string) (io.ReadCloser, int64, error) {
	f, err := d.root.Open(name)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%w: %s is not a regular file", ErrOCILayout, name)
	}
	return f, st.Size(), nil
}

// tarLayout reads an archive indexed by scanTar.
type tarLayout struct {
	r       io.ReaderAt
	entries map[string]tarEntry
}

type tarEntry struct{ off, size int64 }

func (t *tarLayout) open(name string) (io.ReadCloser, int64, error) {
	e, ok := t.entries[name]
	if !ok {
		return nil, 0, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return io.NopCloser(io.NewSectionReader(t.r, e.off, e.size)), e.size, nil
}

// countingReader counts what tar reads, so that after Next the count is
// the offset of the entry's data (archive/tar does not buffer ahead).
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// scanTar indexes the regular files of an archive, refusing what an OCI
// layout archive never needs: links, devices, sparse files, unsafe or
// duplicate names, more than MaxOCIEntries entries or a file above
// MaxSealedSize. Every blob's content is hashed and checked against its
// name on the way.
func scanTar(r io.ReaderAt, size int64) (*tarLayout, error) {
	cr := &countingReader{r: io.NewSectionReader(r, 0, size)}
	tr := tar.NewReader(cr)
	t := &tarLayout{r: r, entries: map[string]tarEntry{}}
	seen := map[string]bool{}
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: read archive: %v", ErrOCILayout, err)
		}
		if n >= MaxOCIEntries {
			return nil, fmt.Errorf("%w: more than %d archive entries", ErrOCILimit, MaxOCIEntries)
		}
		name, err := cleanEntryName(hdr.Name)
		if err != nil {
			return nil, err
		}
		if name == "" { // "./", the archive's root
			continue
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: entry %q appears twice", ErrOCILayout, name)
		}
		seen[name] = true
		switch hdr.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg, '\x00': // '\x00': regular file in pre-POSIX archives
		default:
			return nil, fmt.Errorf("%w: entry %q: type %q not allowed (only files and directories)", ErrOCILayout, name, hdr.Typeflag)
		}
		for k := range hdr.PAXRecords {
			if strings.HasPrefix(k, "GNU.sparse.") {
				return nil, fmt.Errorf("%w: entry %q: sparse files not allowed", ErrOCILayout, name)
			}
		}
		if hdr.Size < 0 || hdr.Size > MaxSealedSize {
			return nil, fmt.Errorf("%w: entry %q declares %d bytes (limit %d)", ErrOCILimit, name, hdr.Size, int64(MaxSealedSize))
		}
		if hdr.Size > size-cr.n {
			return nil, fmt.Errorf("%w: entry %q declares %d bytes, past the end of the archive", ErrOCILayout, name, hdr.Size)
		}
		t.entries[name] = tarEntry{off: cr.n, size: hdr.Size}
		if hexd, ok := strings.CutPrefix(name, "blobs/sha256/"); ok {
			if validDigest("sha256:"+hexd) != nil {
				return nil, fmt.Errorf("%w: blob name %q is not a sha256 digest", ErrOCILayout, name)
			}
			h := sha256.New()
			if _, err := io.Copy(h, tr); err != nil {
				return nil, fmt.Errorf("%w: read %s: %v", ErrOCILayout, name, err)
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != hexd {
				return nil, fmt.Errorf("blob sha256:%s: content hashes to sha256:%s: %w", hexd, got, ErrTampered)
			}
		}
	}
	return t, nil
}

// cleanEntryName returns an archive entry's name as a valid fs path,
// without a leading "./" or a trailing "/", or ErrOCILayout for names that
// could reach outside a directory if extracted ("..", absolute paths,
// backslashes, empty elements). It returns "" for the root itself.
func cleanEntryName(name string) (string, error) {
	n := strings.TrimSuffix(strings.TrimPrefix(name, "./"), "/")
	if n == "" || n == "." {
		return "", nil
	}
	if !fs.ValidPath(n) || strings.ContainsAny(n, "\\\x00") {
		return "", fmt.Errorf("%w: entry %q: unsafe path", ErrOCILayout, name)
	}
	return n, nil
}

// readFile reads a small file of the layout.
func readFile(l layout, name string) ([]byte, error) {
	rc, size, err := l.open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no %s", ErrOCILayout, name)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: open %s: %v", ErrOCILayout, name, err)
	}
	defer rc.Close()
	if size > MaxOCIJSON {
		return nil, fmt.Errorf("%w: %s of %d bytes (limit %d)", ErrOCILimit, name, size, MaxOCIJSON)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(rc, b); err != nil {
		return nil, fmt.Errorf("%w: read %s: %v", ErrOCILayout, name, err)
	}
	return b, nil
}

// readBlob reads the blob d describes, at most max bytes, and checks it
// against d's size and digest.
func readBlob(l layout, d ociDescriptor, max int64, what string) ([]byte, error) {
	if err := validDigest(d.Digest); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if d.Size < 0 || d.Size > max {
		return nil, fmt.Errorf("%w: %s %s declares %d bytes (limit %d)", ErrOCILimit, what, d.Digest, d.Size, max)
	}
	rc, size, err := l.open(blobPath(d.Digest))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s %s: %w", what, d.Digest, ErrOCIMissingBlob)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %v", ErrOCILayout, what, d.Digest, err)
	}
	defer rc.Close()
	if size != d.Size {
		return nil, fmt.Errorf("%s %s: blob of %d bytes, descriptor says %d: %w", what, d.Digest, size, d.Size, ErrTampered)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(rc, b); err != nil {
		return nil, fmt.Errorf("%w: read %s %s: %v", ErrOCILayout, what, d.Digest, err)
	}
	if got := descriptorOf("", b).Digest; got != d.Digest {
		return nil, fmt.Errorf("%s %s: content hashes to %s: %w", what, d.Digest, got, ErrTampered)
	}
	return b, nil
}

func decodeJSON(b []byte, v any, what string) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrOCILayout, what, err)
	}
	return nil
}

func readLayout(l layout, ref string, trusted []ed25519.PublicKey) ([]OCIImage, error) {
	lb, err := readFile(l, "oci-layout")
	if err != nil {
		return nil, err
	}
	var lay ociLayout
	if err := decodeJSON(lb, &lay, "oci-layout"); err != nil {
		return nil, err
	}
	if lay.ImageLayoutVersion != OCILayoutVersion {
		return nil, fmt.Errorf("%w: imageLayoutVersion %q (want %s)", ErrOCILayout, lay.ImageLayoutVersion, OCILayoutVersion)
	}
	ib, err := readFile(l, "index.json")
	if err != nil {
		return nil, err
	}
	var idx ociIndex
	if err := decodeJSON(ib, &idx, "index.json"); err != nil {
		return nil, err
	}
	if idx.SchemaVersion != 2 || (idx.MediaType != "" && idx.MediaType != MediaTypeOCIIndex) {
		return nil, fmt.Errorf("%w: index.json: schemaVersion %d, mediaType %q (want 2, %s)", ErrOCILayout, idx.SchemaVersion, idx.MediaType, MediaTypeOCIIndex)
	}
	if len(idx.Manifests) > MaxOCIManifests {
		return nil, fmt.Errorf("%w: index.json lists %d manifests (limit %d)", ErrOCILimit, len(idx.Manifests), MaxOCIManifests)
	}
	var out []OCIImage
	matched, other := 0, 0
	for _, d := range idx.Manifests {
		name := d.Annotations[AnnotationRefName]
		if ref != "" && name != ref {
			continue
		}
		matched++
		if d.MediaType != MediaTypeOCIManifest {
			other++ // a nested index or a manifest of another format
			continue
		}
		what := "manifest " + d.Digest
		if name != "" {
			what += " (" + name + ")"
		}
		mb, err := readBlob(l, d, MaxOCIJSON, "manifest")
		if err != nil {
			return nil, err
		}
		var m ociManifest
		if err := decodeJSON(mb, &m, what); err != nil {
			return nil, err
		}
		if m.SchemaVersion != 2 || (m.MediaType != "" && m.MediaType != MediaTypeOCIManifest) {
			return nil, fmt.Errorf("%w: %s: schemaVersion %d, mediaType %q (want 2, %s)", ErrOCILayout, what, m.SchemaVersion, m.MediaType, MediaTypeOCIManifest)
		}
		if m.Config.MediaType != MediaTypeOCIConfig {
			other++
			continue
		}
		img, err := readNexus(l, &m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if err := img.Verify(trusted...); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, OCIImage{Image: img, Ref: name, ManifestDigest: d.Digest})
	}
	switch {
	case len(out) > 0:
		return out, nil
	case ref != "" && matched == 0:
		return nil, fmt.Errorf("no manifest named %q in index.json: %w", ref, ErrNotFound)
	case other == 0:
		return nil, fmt.Errorf("%w: index.json lists no manifests", ErrNotNexus)
	}
	return nil, fmt.Errorf("%w: %d manifests, none with config media type %s", ErrNotNexus, other, MediaTypeOCIConfig)
}

// readNexus reads a NexusOS manifest's config and sealed layer, decodes
// the sealed image and checks that the config and annotations agree with
// it.
func readNexus(l layout, m *ociManifest) (*Image, error) {
	if len(m.Layers) != 1 || m.Layers[0].MediaType != MediaTypeOCISealed {
		var types []string
		for _, d := range m.Layers {
			types = append(types, d.MediaType)
		}
		return nil, fmt.Errorf("%w: a NexusOS manifest has one layer of media type %s, this one has %q", ErrOCILayout, MediaTypeOCISealed, types)
	}
	cb, err := readBlob(l, m.Config, MaxOCIJSON, "config")
	if err != nil {
		return nil, err
	}
	var cfg OCIConfig
	if err := decodeJSON(cb, &cfg, "config"); err != nil {
		return nil, err
	}
	sb, err := readBlob(l, m.Layers[0], MaxSealedSize, "sealed layer")
	if err != nil {
		return nil, err
	}
	img, err := Decode(sb)
	if err != nil {
		return nil, fmt.Errorf("sealed layer: %w", err)
	}
	signer := ""
	var sig []byte
	if img.Signature != nil {
		signer = img.Signature.KeyID()
		if sig, err = json.Marshal(img.Signature); err != nil {
			return nil, err
		}
	}
	mismatch := func(what, says, is string) error {
		return fmt.Errorf("%s is %q but the sealed image has %q: %w", what, says, is, ErrTampered)
	}
	checks := []struct{ what, says, is string }{
		{"config digest", cfg.Digest, img.Digest},
		{"config name", cfg.Name, img.Manifest.Name},
		{"config tier", cfg.Tier, img.Manifest.Tier},
		{"config signer", cfg.Signer, signer},
	}
	for _, k := range []string{AnnotationDigest, AnnotationTier, AnnotationTitle, AnnotationSigner, AnnotationVersion} {
		says, ok := m.Annotations[k]
		if !ok {
			continue
		}
		is := map[string]string{AnnotationDigest: img.Digest, AnnotationTier: img.Manifest.Tier, AnnotationTitle: img.Manifest.Name,
			AnnotationSigner: signer, AnnotationVersion: img.Manifest.Version}[k]
		checks = append(checks, struct{ what, says, is string }{"annotation " + k, says, is})
	}
	for _, c := range checks {
		if c.says != c.is {
			return nil, mismatch(c.what, c.says, c.is)
		}
	}
	if says, ok := m.Annotations[AnnotationSignature]; ok {
		var s Signature
		if err := json.Unmarshal([]byte(says), &s); err != nil || img.Signature == nil ||
			!bytes.Equal(s.Key, img.Signature.Key) || !bytes.Equal(s.Sig, img.Signature.Sig) {
			return nil, mismatch("annotation "+AnnotationSignature, says, string(sig))
		}
	}
	return img, nil
}
