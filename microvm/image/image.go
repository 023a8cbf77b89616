package image

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"sync/atomic"

	"nexusos/microvm"
)

// Format limits; a header that claims more is rejected before allocating.
const (
	Magic = "NXIMAGE\x00"
	// FormatVersion is the newest format: 2 adds the files section.
	// Images without sealed files are written as version 1, byte for
	// byte as before, and both versions are read.
	FormatVersion   = 2
	MaxManifestSize = 1 << 20
	MaxModuleSize   = 1 << 30
	MaxSignature    = 4 << 10
)

// Errors returned (wrapped) by Decode and Verify.
var (
	// ErrFormat: the bytes are not a sealed image of a known version.
	ErrFormat = errors.New("image: not a sealed image")
	// ErrTampered: the module or manifest does not match its hashes.
	ErrTampered = errors.New("image: tampered (content does not match its digest)")
	// ErrBadSignature: the signature does not verify.
	ErrBadSignature = errors.New("image: bad signature")
	// ErrUnsigned: a signature was required but the image has none.
	ErrUnsigned = errors.New("image: not signed")
	// ErrUntrusted: the image is signed by a key that is not trusted.
	ErrUntrusted = errors.New("image: signed by an untrusted key")
)

// Manifest is what an image says about itself: the microVM manifest plus
// the address of the module.
type Manifest struct {
	microvm.Manifest
	Module Blob `json:"module"`
	// Source says what the image was built from ("go", "wasm" or "elf");
	// for display only.
	Source string `json:"source,omitempty"`
	// Preinit, when set, says the module is pre-initialised and the
	// image carries its memory snapshot.
	Preinit *Preinit `json:"preinit,omitempty"`
	// Files, when set, is the address of the sealed file tree (a tier-2
	// app's read-only "/"; see OpenFiles) the image carries.
	Files *Blob `json:"files,omitempty"`
}

// Preinit describes a pre-initialised module's snapshot.
type Preinit struct {
	Entry    string `json:"entry"`    // export that runs main
	Memory   Blob   `json:"memory"`   // the memory snapshot's address
	Nanotime int64  `json:"nanotime"` // clock reading at snapshot time
}

// Blob is a content address.
type Blob struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Signature is an ed25519 signature of an image digest.
type Signature struct {
	Key []byte `json:"key"` // ed25519 public key, 32 bytes
	Sig []byte `json:"sig"` // 64 bytes
}

// KeyID returns a short fingerprint of the signing key.
func (s *Signature) KeyID() string { return KeyID(s.Key) }

// KeyID returns the fingerprint of a public key: the first 16 hex digits of
// its SHA-256.
func KeyID(pub []byte) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:8])
}

// Image is a decoded, verified sealed image.
type Image struct {
	Manifest     Manifest
	ManifestJSON []byte // exactly as stored; the digest covers these bytes
	Module       []byte
	Memory       []byte     // memory snapshot; empty unless Manifest.Preinit
	Files        []byte     // sealed file tree; empty unless Manifest.Files
	Signature    *Signature // nil when unsigned
	Digest       string     // "sha256:<hex>"

	// verified remembers the signature (key, signature, digest) whose
	// ed25519 check passed in Decode, so that the Verify after it does
	// not check it again; nil for images Decode did not make. Copies of
	// an image share it, which is sound: a copy whose signature or digest
	// differs from the remembered one is checked afresh.
	verified *sigCache
	// release unmaps the file the byte slices above point into (MapFile,
	// Store.Map); nil when they are ordinary memory.
	release func() error
}

// sigCache holds the last signature that verified; images are verified
// concurrently (the shim keeps decoded images), so it is atomic.
type sigCache struct {
	last atomic.Pointer[verifiedSig]
}

type verifiedSig struct {
	digest   string
	key, sig []byte
}

// checked reports whether s over digest is the signature that verified.
func (c *sigCache) checked(digest string, s *Signature) bool {
	if c == nil {
		return false
	}
	v := c.last.Load()
	return v != nil && v.digest == digest && bytes.Equal(v.key, s.Key) && bytes.Equal(v.sig, s.Sig)
}

func (c *sigCache) remember(digest string, s *Signature) {
	if c != nil {
		c.last.Store(&verifiedSig{digest: digest, key: bytes.Clone(s.Key), sig: bytes.Clone(s.Sig)})
	}
}

// Seal binds module to manifest m and returns the unsigned image.
func Seal(m Manifest, module []byte) (*Image, error) {
	return SealSnapshot(m, module, nil)
}

// SealSnapshot is Seal for a pre-initialised module: snap (when not nil)
// supplies the memory snapshot, entry and clock.
func SealSnapshot(m Manifest, module []byte, snap *microvm.Snapshot) (*Image, error) {
	return seal(m, module, snap, nil)
}

// SealFiles is Seal for a tier-2 executable with a sealed file tree (from
// ArchiveDir) that the app sees as its read-only "/".
func SealFiles(m Manifest, exe, files []byte) (*Image, error) {
	return seal(m, exe, nil, files)
}

func seal(m Manifest, module []byte, snap *microvm.Snapshot, files []byte) (*Image, error) {
	if len(module) > MaxModuleSize {
		return nil, fmt.Errorf("seal %s: module of %d bytes above the %d limit", m.Name, len(module), MaxModuleSize)
	}
	m.Module = blobOf(module)
	m.Preinit = nil
	var memory []byte
	if snap != nil {
		if len(snap.Memory) > MaxModuleSize || !snapshotShape(m.Tier, snap.Entry, uint64(len(snap.Memory))) {
			return nil, fmt.Errorf("seal %s: bad memory snapshot", m.Name)
		}
		memory = snap.Memory
		m.Preinit = &Preinit{Entry: snap.Entry, Memory: blobOf(memory), Nanotime: snap.Nanotime}
	}
	m.Files = nil
	if len(files) > 0 {
		if m.Tier != microvm.TierKVM {
			return nil, fmt.Errorf("seal %s: sealed files need tier %s (tier %s apps get mounts)", m.Name, microvm.TierKVM, m.Tier)
		}
		if len(files) > MaxModuleSize {
			return nil, fmt.Errorf("seal %s: files of %d bytes above the %d limit", m.Name, len(files), MaxModuleSize)
		}
		if _, err := OpenFiles(files); err != nil {
			return nil, fmt.Errorf("seal %s: %w", m.Name, err)
		}
		m.Files = new(blobOf(files))
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("seal %s: %w", m.Name, err)
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("seal %s: encode manifest: %w", m.Name, err)
	}
	if len(mj) > MaxManifestSize {
		return nil, fmt.Errorf("seal %s: manifest too large", m.Name)
	}
	return &Image{Manifest: m, ManifestJSON: mj, Module: module, Memory: memory, Files: files, Digest: digestOf(mj)}, nil
}

// snapshotShape reports whether a snapshot's entry and length suit the
// tier: tier 1 keeps linear memory (whole 64 KiB pages) and the export that
// runs main; tier 2 a library-OS snapshot (KVMSnapshotEntry), which the
// engine decodes and checks itself.
func snapshotShape(tier, entry string, n uint64) bool {
	if tier == microvm.TierKVM {
		return entry == KVMSnapshotEntry && n > 0
	}
	return entry != "" && entry != KVMSnapshotEntry && n%(64<<10) == 0
}

// parallelHash is the size from which a section is hashed on its own
// goroutine: below it, starting one costs more than it saves.
const parallelHash = 256 << 10

// hashSections starts hashing the module, memory and files sections and
// returns the function that finishes and returns their addresses: every
// large section but the largest is hashed on its own goroutine, the
// largest (and the small ones) by the caller of the returned function, so
// a tier-2 image's megabytes are hashed on the CPUs there are while the
// caller decodes the manifest.
func hashSections(module, memory, files []byte) func() (Blob, Blob, Blob) {
	parts := [3][]byte{module, memory, files}
	largest := 0
	for i, p := range parts {
		if len(p) > len(parts[largest]) {
			largest = i
		}
	}
	var sums [3]Blob
	var wg sync.WaitGroup
	async := func(i int) bool { return i != largest && len(parts[i]) >= parallelHash }
	for i, p := range parts {
		if async(i) {
			wg.Go(func() { sums[i] = blobOf(p) })
		}
	}
	return func() (Blob, Blob, Blob) {
		for i, p := range parts {
			if !async(i) {
				sums[i] = blobOf(p)
			}
		}
		wg.Wait()
		return sums[0], sums[1], sums[2]
	}
}

// knownSums are the addresses of sections known to hash to what manifest
// m records: its hashes with the sections' real sizes, so that every
// check but the hash still applies.
func knownSums(m *Manifest, module, memory, files []byte) (Blob, Blob, Blob) {
	mod := Blob{SHA256: m.Module.SHA256, Size: int64(len(module))}
	var mem, fb Blob
	if m.Preinit != nil {
		mem = Blob{SHA256: m.Preinit.Memory.SHA256, Size: int64(len(memory))}
	}
	if m.Files != nil {
		fb = Blob{SHA256: m.Files.SHA256, Size: int64(len(files))}
	}
	return mod, mem, fb
}

func blobOf(b []byte) Blob {
	sum := sha256.Sum256(b)
	return Blob{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b))}
}

func digestOf(manifestJSON []byte) string {
	h := sha256.Sum256(manifestJSON)
	return "sha256:" + hex.EncodeToString(h[:])
}

func signedMessage(digest string) []byte { return []byte("nexus-image-v1\n" + digest) }

// Sign signs the image with key.
func (img *Image) Sign(key ed25519.PrivateKey) {
	pub := key.Public().(ed25519.PublicKey)
	img.Signature = &Signature{Key: append([]byte(nil), pub...), Sig: ed25519.Sign(key, signedMessage(img.Digest))}
}

// Verify checks the signature policy: with no trusted keys, an image must
// either be unsigned or carry a valid signature; with trusted keys it must
// be signed by one of them.
func (img *Image) Verify(trusted ...ed25519.PublicKey) error {
	if img.Signature == nil {
		if len(trusted) > 0 {
			return fmt.Errorf("verify %s: %w", img.Digest, ErrUnsigned)
		}
		return nil
	}
	s := img.Signature
	if len(s.Key) != ed25519.PublicKeySize || len(s.Sig) != ed25519.SignatureSize {
		return fmt.Errorf("verify %s: %w", img.Digest, ErrBadSignature)
	}
	// The signature is checked once per image: Decode checks it, and the
	// Verify with the trusted keys that follows only compares the key,
	// unless the signature or digest changed in between.
	if !img.verified.checked(img.Digest, s) {
		if !ed25519.Verify(ed25519.PublicKey(s.Key), signedMessage(img.Digest), s.Sig) {
			return fmt.Errorf("verify %s: %w", img.Digest, ErrBadSignature)
		}
		img.verified.remember(img.Digest, s)
	}
	if len(trusted) == 0 {
		return nil
	}
	for _, k := range trusted {
		if bytes.Equal(k, s.Key) {
			return nil
		}
	}
	return fmt.Errorf("verify %s: key %s: %w", img.Digest, s.KeyID(), ErrUntrusted)
}

// Program returns the image as a microvm.Program.
func (img *Image) Program() *microvm.Program {
	p := &microvm.Program{ID: img.Digest, Manifest: img.Manifest.Manifest, Code: img.Module}
	if pi := img.Manifest.Preinit; pi != nil {
		p.Snapshot = &microvm.Snapshot{Memory: img.Memory, Entry: pi.Entry, Nanotime: pi.Nanotime}
	}
	return p
}

// FilesFS returns the image's sealed file tree, or nil when it has none.
func (img *Image) FilesFS() (fs.FS, error) {
	if len(img.Files) == 0 {
		return nil, nil
	}
	return OpenFiles(img.Files)
}

// Encode writes the sealed image to w: format version 1 unless the image
// has sealed files.
func (img *Image) Encode(w io.Writer) error {
	var hdr [16]byte
	copy(hdr[:8], Magic)
	version := uint32(1)
	var files []byte
	if len(img.Files) > 0 {
		version = 2
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(img.Files)))
		files = append(n[:], img.Files...)
	}
	binary.LittleEndian.PutUint32(hdr[8:], version)
	binary.LittleEndian.PutUint32(hdr[12:], uint32(len(img.ManifestJSON)))
	var sig []byte
	if img.Signature != nil {
		var err error
		if sig, err = json.Marshal(img.Signature); err != nil {
			return fmt.Errorf("encode signature: %w", err)
		}
	}
	var n8, m8 [8]byte
	binary.LittleEndian.PutUint64(n8[:], uint64(len(img.Module)))
	binary.LittleEndian.PutUint64(m8[:], uint64(len(img.Memory)))
	var n4 [4]byte
	binary.LittleEndian.PutUint32(n4[:], uint32(len(sig)))
	for _, part := range [][]byte{hdr[:], img.ManifestJSON, n8[:], img.Module, m8[:], img.Memory, files, n4[:], sig} {
		if _, err := w.Write(part); err != nil {
			return fmt.Errorf("write image %s: %w", img.Digest, err)
		}
	}
	return nil
}

// Bytes returns the sealed image.
func (img *Image) Bytes() []byte {
	var b bytes.Buffer
	_ = img.Encode(&b)
	return b.Bytes()
}

// Decode reads and checks a sealed image: structure and bounds, module
// hash, manifest validity and (if present) the signature's validity. It
// does not apply a trust policy; call Verify for that.
//
// The image's byte slices (ManifestJSON, Module, Memory, Files) point into
// b rather than copies of it: b must not change while the image is used,
// or the image no longer matches what was checked.
func Decode(b []byte) (*Image, error) { return decode(b, nil, false) }

// decode is Decode; prepare (when not nil) is called with the manifest
// before the sections' hashes are checked (MapOptions.Prepare). With
// checked set, the sections are known to hash to what the manifest says
// (a verification stamp, verified.go) and are not hashed; every other
// check is made.
func decode(b []byte, prepare func(*Manifest), checked bool) (*Image, error) {
	if len(b) < 16 || string(b[:8]) != Magic {
		return nil, ErrFormat
	}
	v := binary.LittleEndian.Uint32(b[8:])
	if v != 1 && v != 2 {
		return nil, fmt.Errorf("%w: format version %d (want 1..%d)", ErrFormat, v, FormatVersion)
	}
	m := uint64(binary.LittleEndian.Uint32(b[12:]))
	if m > MaxManifestSize || uint64(len(b)) < 16+m+8 {
		return nil, fmt.Errorf("%w: manifest length %d out of bounds", ErrFormat, m)
	}
	mj := b[16 : 16+m]
	off := 16 + m
	n := binary.LittleEndian.Uint64(b[off:])
	off += 8
	if n > MaxModuleSize || uint64(len(b))-off < n+8 {
		return nil, fmt.Errorf("%w: module length %d out of bounds", ErrFormat, n)
	}
	module := b[off : off+n]
	off += n
	mn := binary.LittleEndian.Uint64(b[off:])
	off += 8
	if mn > MaxModuleSize || uint64(len(b))-off < mn+4 {
		return nil, fmt.Errorf("%w: memory length %d out of bounds", ErrFormat, mn)
	}
	memory := b[off : off+mn]
	off += mn
	var files []byte
	if v >= 2 {
		if uint64(len(b))-off < 8 {
			return nil, fmt.Errorf("%w: files length out of bounds", ErrFormat)
		}
		fn := binary.LittleEndian.Uint64(b[off:])
		off += 8
		if fn > MaxModuleSize || uint64(len(b))-off < fn+4 {
			return nil, fmt.Errorf("%w: files length %d out of bounds", ErrFormat, fn)
		}
		files = b[off : off+fn]
		off += fn
	}
	s := uint64(binary.LittleEndian.Uint32(b[off:]))
	off += 4
	if s > MaxSignature || uint64(len(b))-off != s {
		return nil, fmt.Errorf("%w: signature length %d does not match the file", ErrFormat, s)
	}
	// The sections alias b (no copies: a tier-2 image is megabytes, read
	// on every `nexus run`).
	img := &Image{ManifestJSON: mj, Module: module, Digest: digestOf(mj), verified: &sigCache{}}
	if mn > 0 {
		img.Memory = memory
	}
	if len(files) > 0 {
		img.Files = files
	}
	// The sections are hashed while the manifest is decoded.
	var sums func() (Blob, Blob, Blob)
	if !checked {
		sums = hashSections(module, memory, files)
	}
	dec := json.NewDecoder(bytes.NewReader(mj))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&img.Manifest); err != nil {
		if sums != nil {
			sums() // let the hashing goroutines end before b may be released
		}
		return nil, fmt.Errorf("%w: manifest: %v", ErrFormat, err)
	}
	if checked {
		sums = func() (Blob, Blob, Blob) { return knownSums(&img.Manifest, module, memory, files) }
	}
	if prepare != nil {
		m := img.Manifest // a shallow copy, which the callback only reads
		prepare(&m)
	}
	moduleSum, memorySum, filesSum := sums()
	if img.Manifest.Module != moduleSum {
		return nil, fmt.Errorf("decode %s: module: %w", img.Digest, ErrTampered)
	}
	switch pi := img.Manifest.Preinit; {
	case pi == nil && mn != 0:
		return nil, fmt.Errorf("decode %s: memory snapshot without preinit in the manifest: %w", img.Digest, ErrTampered)
	case pi != nil && pi.Memory != memorySum:
		return nil, fmt.Errorf("decode %s: memory snapshot: %w", img.Digest, ErrTampered)
	case pi != nil && !snapshotShape(img.Manifest.Tier, pi.Entry, mn):
		return nil, fmt.Errorf("%w: bad preinit section", ErrFormat)
	}
	switch fb := img.Manifest.Files; {
	case fb == nil && len(files) != 0:
		return nil, fmt.Errorf("decode %s: files without files in the manifest: %w", img.Digest, ErrTampered)
	case fb != nil && *fb != filesSum:
		return nil, fmt.Errorf("decode %s: files: %w", img.Digest, ErrTampered)
	case fb != nil && img.Manifest.Tier != microvm.TierKVM:
		return nil, fmt.Errorf("%w: sealed files in a tier %s image", ErrFormat, img.Manifest.Tier)
	case fb != nil:
		if _, err := OpenFiles(img.Files); err != nil {
			return nil, fmt.Errorf("decode %s: %w", img.Digest, err)
		}
	}
	if err := img.Manifest.Validate(); err != nil {
		return nil, fmt.Errorf("decode %s: %w", img.Digest, err)
	}
	if s > 0 {
		img.Signature = new(Signature)
		if err := json.Unmarshal(b[off:], img.Signature); err != nil {
			return nil, fmt.Errorf("%w: signature: %v", ErrFormat, err)
		}
		if err := img.Verify(); err != nil {
			return nil, err
		}
	}
	return img, nil
}
