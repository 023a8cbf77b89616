package image

// OCI image layout: a sealed image carried as an OCI image.
//
// The structures and rules here follow the OCI image specification v1.1:
// image-layout.md (the oci-layout file, index.json, blobs/<alg>/<hex>),
// descriptor.md (mediaType, digest, size), manifest.md (schemaVersion 2,
// config, layers; "Guidelines for Artifact Usage": a non-container artifact
// uses its own config media type) and image-index.md. They are written
// from the specification with the standard library; nothing here imports
// the specification's Go types.

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"nexusos/internal/lazyregexp"
	"nexusos/microvm"
)

// Media types of a NexusOS OCI image: the manifest's config is an
// OCIConfig, its one layer the sealed image, byte for byte.
const (
	MediaTypeOCIConfig = "application/vnd.nexusos.image.config.v1+json"
	MediaTypeOCISealed = "application/vnd.nexusos.image.sealed.v1"
)

// Media types and layout version defined by the OCI image specification.
const (
	MediaTypeOCIManifest = "application/vnd.oci.image.manifest.v1+json" // manifest.md
	MediaTypeOCIIndex    = "application/vnd.oci.image.index.v1+json"    // image-index.md
	OCILayoutVersion     = "1.0.0"                                      // image-layout.md, "oci-layout file"
)

// Annotations written on the manifest (and, for the ref name, on its
// descriptor in index.json). The io.nexusos ones repeat facts of the
// sealed image so registries and tools can show them; on import the sealed
// image is the authority and each annotation present must agree with it.
const (
	// Pre-defined by annotations.md.
	AnnotationTitle   = "org.opencontainers.image.title"    // the image name
	AnnotationVersion = "org.opencontainers.image.version"  // the image version, when set
	AnnotationRefName = "org.opencontainers.image.ref.name" // index.json only: the reference
	// NexusOS keys.
	AnnotationDigest       = "io.nexusos.image.digest"       // the sealed image's digest
	AnnotationTier         = "io.nexusos.image.tier"         // "wasm" or "kvm"
	AnnotationSigner       = "io.nexusos.image.signer"       // key id; absent when unsigned
	AnnotationSignature    = "io.nexusos.image.signature"    // the Signature as JSON; absent when unsigned
	AnnotationCapabilities = "io.nexusos.image.capabilities" // microvm.Capabilities as JSON
)

// Bounds on what an OCI image layout may declare; the importer checks
// every size before it allocates or reads.
const (
	// MaxSealedSize bounds a sealed image read from a file or an OCI
	// layer (ReadFile's bound).
	MaxSealedSize = MaxModuleSize + MaxManifestSize + 64<<10
	// MaxOCIJSON bounds oci-layout, index.json, a manifest and a config.
	MaxOCIJSON = 4 << 20
	// MaxOCIEntries bounds the entries of an OCI archive.
	MaxOCIEntries = 1024
	// MaxOCIManifests bounds the manifests index.json may list.
	MaxOCIManifests = 256
	// MaxOCIArchive bounds the whole archive: one sealed image and room
	// for the JSON around it and a few more blobs.
	MaxOCIArchive = MaxSealedSize + 64<<20
)

// OCIConfig is the config blob of a NexusOS OCI image (media type
// MediaTypeOCIConfig): what the app is, for registries and tools that do
// not open the sealed layer. The sealed image is the authority; Digest
// must equal its digest.
type OCIConfig struct {
	Name         string               `json:"name"`
	Version      string               `json:"version,omitempty"`
	Tier         string               `json:"tier"`
	ABI          int                  `json:"abi"`
	Source       string               `json:"source,omitempty"`
	Digest       string               `json:"digest"`           // the sealed image's digest
	Signer       string               `json:"signer,omitempty"` // key id, when signed
	Capabilities microvm.Capabilities `json:"capabilities"`
	Limits       microvm.Limits       `json:"limits"`
}

// ociDescriptor mirrors the OCI content descriptor (descriptor.md).
type ociDescriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	URLs         []string          `json:"urls,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	Data         []byte            `json:"data,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Platform     *json.RawMessage  `json:"platform,omitempty"`
}

// ociManifest mirrors the image manifest (manifest.md).
type ociManifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType,omitempty"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Config        ociDescriptor     `json:"config"`
	Layers        []ociDescriptor   `json:"layers"`
	Subject       *ociDescriptor    `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// ociIndex mirrors the image index (image-index.md), the shape of
// index.json.
type ociIndex struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType,omitempty"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Manifests     []ociDescriptor   `json:"manifests"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// ociLayout is the oci-layout file.
type ociLayout struct {
	ImageLayoutVersion string `json:"imageLayoutVersion"`
}

// refNameRE is the grammar of org.opencontainers.image.ref.name
// (annotations.md): components of alphanumerics joined by separators
// [-._:@+] or "--", joined by "/".
var refNameRE = lazyregexp.New(`^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$`)

// tagRE is a tag as registries accept it (OCI distribution-spec).
var tagRE = lazyregexp.New(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

// ValidOCIRef reports whether ref is a valid org.opencontainers.image.ref.name.
func ValidOCIRef(ref string) bool { return len(ref) <= 255 && refNameRE.MatchString(ref) }

// DefaultOCIRef is the reference an exported image gets unless told
// otherwise: "NAME:VERSION", or "NAME:latest" when the version is not a
// valid tag.
func DefaultOCIRef(img *Image) string {
	tag := img.Manifest.Version
	if !tagRE.MatchString(tag) {
		tag = "latest"
	}
	return img.Manifest.Name + ":" + tag
}

// ociEpoch is the modification time of every entry an export writes, so
// exporting an image twice gives the same bytes.
var ociEpoch = time.Unix(0, 0).UTC()

// WriteOCI writes img to w as an OCI image layout in a tar archive:
//
//	oci-layout            {"imageLayoutVersion":"1.0.0"}
//	index.json            an image index with one manifest, annotated
//	                      with ref (org.opencontainers.image.ref.name)
//	blobs/sha256/<hex>    the manifest, its config (an OCIConfig) and its
//	                      layer: the sealed image, unchanged
//
// ref is the reference name in index.json; "" means DefaultOCIRef(img).
// The output depends only on img and ref. WriteOCI returns the manifest's
// descriptor digest ("sha256:<hex>"), the name registries address it by.
//
// # Errors
//
// An invalid ref, or a sealed image above MaxSealedSize (which an import
// would refuse); errors of w.
func WriteOCI(w io.Writer, img *Image, ref string) (string, error) {
	if ref == "" {
		ref = DefaultOCIRef(img)
	}
	if !ValidOCIRef(ref) {
		return "", fmt.Errorf("export %s: reference %q is not a valid OCI reference name", img.Manifest.Name, ref)
	}
	sealedBytes := img.Bytes()
	if len(sealedBytes) > MaxSealedSize {
		return "", fmt.Errorf("export %s: sealed image of %d bytes above the %d limit of an import", img.Manifest.Name, len(sealedBytes), MaxSealedSize)
	}
	m := img.Manifest
	cfg := OCIConfig{Name: m.Name, Version: m.Version, Tier: m.Tier, ABI: m.ABI, Source: m.Source, Digest: img.Digest,
		Capabilities: m.Capabilities, Limits: m.Limits}
	caps, err := json.Marshal(m.Capabilities)
	if err != nil {
		return "", fmt.Errorf("export %s: %w", m.Name, err)
	}
	ann := map[string]string{
		AnnotationTitle:        m.Name,
		AnnotationDigest:       img.Digest,
		AnnotationTier:         m.Tier,
		AnnotationCapabilities: string(caps),
	}
	if m.Version != "" {
		ann[AnnotationVersion] = m.Version
	}
	if s := img.Signature; s != nil {
		cfg.Signer = s.KeyID()
		sj, err := json.Marshal(s)
		if err != nil {
			return "", fmt.Errorf("export %s: %w", m.Name, err)
		}
		ann[AnnotationSigner] = s.KeyID()
		ann[AnnotationSignature] = string(sj)
	}
	cj, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("export %s: %w", m.Name, err)
	}
	man := ociManifest{
		SchemaVersion: 2,
		MediaType:     MediaTypeOCIManifest,
		Config:        descriptorOf(MediaTypeOCIConfig, cj),
		Layers:        []ociDescriptor{descriptorOf(MediaTypeOCISealed, sealedBytes)},
		Annotations:   ann,
	}
	man.Layers[0].Annotations = map[string]string{AnnotationTitle: m.Name + ".nxi"}
	mj, err := json.Marshal(man)
	if err != nil {
		return "", fmt.Errorf("export %s: %w", m.Name, err)
	}
	mdesc := descriptorOf(MediaTypeOCIManifest, mj)
	mdesc.Annotations = map[string]string{AnnotationRefName: ref}
	ij, err := json.Marshal(ociIndex{SchemaVersion: 2, MediaType: MediaTypeOCIIndex, Manifests: []ociDescriptor{mdesc}})
	if err != nil {
		return "", fmt.Errorf("export %s: %w", m.Name, err)
	}
	lj, _ := json.Marshal(ociLayout{ImageLayoutVersion: OCILayoutVersion})

	tw := tar.NewWriter(w)
	dir := func(name string) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, ModTime: ociEpoch, Format: tar.FormatUSTAR})
	}
	file := func(name string, b []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: ociEpoch, Format: tar.FormatUSTAR}); err != nil {
			return err
		}
		_, err := tw.Write(b)
		return err
	}
	blob := func(b []byte) error { return file(blobPath(descriptorOf("", b).Digest), b) }
	for _, step := range []func() error{
		func() error { return file("oci-layout", lj) },
		func() error { return dir("blobs/") },
		func() error { return dir("blobs/sha256/") },
		func() error { return blob(cj) },
		func() error { return blob(sealedBytes) },
		func() error { return blob(mj) },
		func() error { return file("index.json", ij) },
		tw.Close,
	} {
		if err := step(); err != nil {
			return "", fmt.Errorf("export %s: write archive: %w", m.Name, err)
		}
	}
	return mdesc.Digest, nil
}

func descriptorOf(mediaType string, b []byte) ociDescriptor {
	sum := sha256.Sum256(b)
	return ociDescriptor{MediaType: mediaType, Digest: "sha256:" + hex.EncodeToString(sum[:]), Size: int64(len(b))}
}

// blobPath is where image-layout.md puts the blob of a (valid) digest.
func blobPath(digest string) string {
	return "blobs/sha256/" + digest[len("sha256:"):]
}

// Errors returned (wrapped) by ReadOCI and DecodeOCI, besides those of
// Decode and Verify for the sealed image inside.
var (
	// ErrOCILayout: the input is not a well-formed OCI image layout
	// (structure, JSON, entry names or types, duplicates).
	ErrOCILayout = errors.New("image: not a valid OCI image layout")
	// ErrOCILimit: the input declares more than a bound allows (entries,
	// manifests, a blob or archive size).
	ErrOCILimit = errors.New("image: OCI image layout above a limit")
	// ErrOCIMissingBlob: a descriptor names a blob the layout does not hold.
	ErrOCIMissingBlob = errors.New("image: OCI blob missing")
	// ErrNotNexus: the layout holds no NexusOS image (only other
	// artifacts or container images).
	ErrNotNexus = errors.New("image: not a NexusOS image")
)

// validDigest checks a digest of the one algorithm NexusOS reads
// (descriptor.md, "Digests": sha256 is the registered algorithm every
// implementation supports; its encoded part is 64 lowercase hex digits).
func validDigest(d string) error {
	alg, enc, ok := strings.Cut(d, ":")
	switch {
	case !ok:
		return fmt.Errorf("%w: digest %q has no algorithm", ErrOCILayout, d)
	case alg != "sha256":
		return fmt.Errorf("%w: digest algorithm %q not supported (want sha256)", ErrOCILayout, alg)
	case len(enc) != 64 || strings.Trim(enc, "0123456789abcdef") != "":
		return fmt.Errorf("%w: digest %q is not 64 lowercase hex digits", ErrOCILayout, d)
	}
	return nil
}
