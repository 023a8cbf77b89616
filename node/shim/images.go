package shim

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	contentapi "github.com/containerd/containerd/api/services/content/v1"
	imagesapi "github.com/containerd/containerd/api/services/images/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"nexusos/microvm/image"
)

// ErrNotNexus is returned (wrapped) when a containerd image is not a
// NexusOS image (its manifest's config is not image.MediaTypeOCIConfig).
var ErrNotNexus = errors.New("shim: not a NexusOS image")

// ErrNoImage is returned (wrapped) when containerd has no image of the
// name asked for in the container's namespace.
var ErrNoImage = errors.New("shim: no such image in containerd")

// maxCachedImages bounds the decoded images a shim keeps in memory.
const maxCachedImages = 64

// ImageSource returns the verified sealed image a reference names.
// Implementations are safe for concurrent use.
type ImageSource interface {
	// Image returns the sealed image ref names, decoded and verified
	// under the source's trust policy; ctx carries the containerd
	// namespace.
	Image(ctx context.Context, ref string) (*image.Image, error)
}

// ContentStore reads sealed images from containerd's content store over
// its gRPC API: the image ref names (images service), its OCI manifest
// and the one layer of type image.MediaTypeOCISealed (content service).
// Images imported with `ctr image import --no-unpack` are found there
// as `nexus image export` wrote them. Decoded images are kept by layer
// digest (images are immutable); names are resolved afresh on each call.
// It is safe for concurrent use.
type ContentStore struct {
	conn    *grpc.ClientConn
	images  imagesapi.ImagesClient
	content contentapi.ContentClient
	trusted []ed25519.PublicKey

	mu sync.Mutex
	// cache holds decoded images by layer digest; guarded by mu.
	cache map[string]*image.Image
	// manifests holds the NexusOS manifests found at manifest (or
	// index) descriptors, by media type and digest, so a container of an image seen before costs one
	// round trip to containerd (the name), not two; guarded by mu.
	manifests map[string]*ociManifest
}

// NewContentStore connects to containerd's gRPC API at address (a unix
// socket path, as containerd hands a shim with -address). Images must be
// signed by one of trusted when any is given (image.Image.Verify).
func NewContentStore(address string, trusted ...ed25519.PublicKey) (*ContentStore, error) {
	target := address
	if !strings.Contains(target, "://") {
		target = "unix://" + target
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("shim: connect to containerd at %s: %w", address, err)
	}
	return &ContentStore{conn: conn, images: imagesapi.NewImagesClient(conn), content: contentapi.NewContentClient(conn),
		trusted: trusted, cache: map[string]*image.Image{}, manifests: map[string]*ociManifest{}}, nil
}

// Close closes the connection to containerd.
func (c *ContentStore) Close() error { return c.conn.Close() }

// Image implements ImageSource.
func (c *ContentStore) Image(ctx context.Context, ref string) (*image.Image, error) {
	res, err := c.images.Get(ctx, &imagesapi.GetImageRequest{Name: ref})
	if status.Code(err) == codes.NotFound {
		return nil, fmt.Errorf("%w: %s (import it with: ctr image import --no-unpack FILE)", ErrNoImage, ref)
	}
	if err != nil {
		return nil, fmt.Errorf("shim: image %s: %w", ref, err)
	}
	t := res.GetImage().GetTarget()
	if t == nil {
		return nil, fmt.Errorf("%w: %s has no target", ErrNotNexus, ref)
	}
	key := t.MediaType + "@" + t.Digest // the media type decides how it is read
	c.mu.Lock()
	m := c.manifests[key]
	c.mu.Unlock()
	if m == nil {
		// Content is addressed by digest: what was read at one once is
		// what is there.
		if m, err = c.manifest(ctx, ref, t.MediaType, t.Digest, t.Size); err != nil {
			return nil, err
		}
		c.mu.Lock()
		if len(c.manifests) >= maxCachedImages {
			clear(c.manifests)
		}
		c.manifests[key] = m
		c.mu.Unlock()
	}
	layer := m.Layers[0]
	c.mu.Lock()
	img := c.cache[layer.Digest]
	c.mu.Unlock()
	if img == nil {
		b, err := c.read(ctx, layer.Digest, layer.Size, image.MaxSealedSize)
		if err != nil {
			return nil, fmt.Errorf("shim: image %s: layer: %w", ref, err)
		}
		if img, err = image.Decode(b); err != nil {
			return nil, fmt.Errorf("shim: image %s: %w", ref, err)
		}
		c.mu.Lock()
		if len(c.cache) >= maxCachedImages {
			clear(c.cache)
		}
		c.cache[layer.Digest] = img
		c.mu.Unlock()
	}
	if d, ok := m.Annotations[image.AnnotationDigest]; ok && d != img.Digest {
		return nil, fmt.Errorf("shim: image %s: %w: manifest names sealed image %s, the layer is %s", ref, image.ErrTampered, d, img.Digest)
	}
	if err := img.Verify(c.trusted...); err != nil {
		return nil, fmt.Errorf("shim: image %s: %w", ref, err)
	}
	return img, nil
}

// ociDescriptor and ociManifest are the parts of the OCI descriptor and
// image manifest (image-spec descriptor.md, manifest.md, image-index.md)
// the shim reads.
type ociDescriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

type ociManifest struct {
	MediaType   string            `json:"mediaType"`
	Config      ociDescriptor     `json:"config"`
	Layers      []ociDescriptor   `json:"layers"`
	Manifests   []ociDescriptor   `json:"manifests"` // an index
	Annotations map[string]string `json:"annotations"`
}

// manifest reads the NexusOS manifest at a descriptor: the manifest
// itself, or the first NexusOS manifest an index lists.
func (c *ContentStore) manifest(ctx context.Context, ref, mediaType, digest string, size int64) (*ociManifest, error) {
	b, err := c.read(ctx, digest, size, image.MaxOCIJSON)
	if err != nil {
		return nil, fmt.Errorf("shim: image %s: %w", ref, err)
	}
	var m ociManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %s: manifest %s: %v", ErrNotNexus, ref, digest, err)
	}
	if mediaType == image.MediaTypeOCIIndex || m.MediaType == image.MediaTypeOCIIndex {
		for _, d := range m.Manifests {
			if d.MediaType != image.MediaTypeOCIManifest {
				continue
			}
			if nm, err := c.manifest(ctx, ref, d.MediaType, d.Digest, d.Size); err == nil {
				return nm, nil
			}
		}
		return nil, fmt.Errorf("%w: %s: its index lists no NexusOS manifest", ErrNotNexus, ref)
	}
	if m.Config.MediaType != image.MediaTypeOCIConfig {
		return nil, fmt.Errorf("%w: %s: config type %q (a container image? the nexus runtime runs images from `nexus image export`)", ErrNotNexus, ref, m.Config.MediaType)
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != image.MediaTypeOCISealed {
		return nil, fmt.Errorf("%w: %s: want one layer of type %s", ErrNotNexus, ref, image.MediaTypeOCISealed)
	}
	return &m, nil
}

// read reads the blob digest of the given size (at most limit bytes) from
// the content store and checks its digest.
func (c *ContentStore) read(ctx context.Context, digest string, size, limit int64) ([]byte, error) {
	hexDigest, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hexDigest) != 64 {
		return nil, fmt.Errorf("blob %q: want a sha256 digest", digest)
	}
	if size < 0 || size > limit {
		return nil, fmt.Errorf("blob %s: size %d outside 0..%d", digest, size, limit)
	}
	stream, err := c.content.Read(ctx, &contentapi.ReadContentRequest{Digest: digest})
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", digest, err)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	for {
		r, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read blob %s: %w", digest, err)
		}
		if int64(buf.Len()+len(r.Data)) > size {
			return nil, fmt.Errorf("blob %s: %w: longer than its %d bytes", digest, image.ErrTampered, size)
		}
		buf.Write(r.Data)
	}
	b := buf.Bytes()
	sum := sha256.Sum256(b)
	if int64(len(b)) != size || hex.EncodeToString(sum[:]) != hexDigest {
		return nil, fmt.Errorf("blob %s: %w", digest, image.ErrTampered)
	}
	return b, nil
}
