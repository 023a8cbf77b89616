package image

import (
	"crypto/ed25519"
	"fmt"
)

// MapOptions are the options of MapFile and Store.Map.
type MapOptions struct {
	// Trusted are the keys of which one must have signed the image (see
	// Verify); with none, any valid signature or none is accepted.
	Trusted []ed25519.PublicKey
	// Prepare, when set, is called with the manifest as soon as it is
	// decoded, before the sections are hashed: nothing in it is checked
	// yet, and the image may still be refused. It is for starting work
	// the run will need anyway while the image is verified (tier 2 builds
	// its VM from the memory limit), never for deciding anything. It runs
	// on the caller's goroutine and should return at once.
	Prepare func(unverified *Manifest)
}

// MapFile is ReadFile for a process that runs one image and exits (`nexus
// run`): the file is mapped rather than read and copied when that is as
// safe as reading it (see mapSealed), and the image's byte slices point
// into the mapping until Close. Its digest, sections and signature are
// checked exactly as ReadFile checks them.
func MapFile(path string, opt MapOptions) (*Image, error) {
	img, err := mapAndDecode(path, "", opt.Prepare)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", path, err)
	}
	if err := img.Verify(opt.Trusted...); err != nil {
		img.Close()
		return nil, err
	}
	return img, nil
}

// Map is Load for a process that runs one image and exits: see MapFile.
func (s *Store) Map(ref string, opt MapOptions) (*Image, error) {
	digest, err := s.Resolve(ref)
	if err != nil {
		return nil, err
	}
	img, err := mapAndDecode(s.path(digest), digest, opt.Prepare)
	if err != nil {
		return nil, fmt.Errorf("load image %s: %w", digest, err)
	}
	if err := img.Verify(opt.Trusted...); err != nil {
		img.Close()
		return nil, err
	}
	return img, nil
}

// mapAndDecode maps (or reads) the file and decodes it; a non-empty
// digest must be the image's.
func mapAndDecode(path, digest string, prepare func(*Manifest)) (*Image, error) {
	b, release, err := mapSealed(path)
	if err != nil {
		return nil, err
	}
	img, err := decode(b, prepare)
	if err == nil && digest != "" && img.Digest != digest {
		err = fmt.Errorf("manifest hashes to %s: %w", img.Digest, ErrTampered)
	}
	if err != nil {
		if release != nil {
			release()
		}
		return nil, err
	}
	img.release = release
	return img, nil
}

// Close releases the file an image from MapFile or Store.Map points into;
// after it, neither the image's byte slices nor a Program made from it may
// be used. It does nothing for other images.
func (img *Image) Close() error {
	if img.release == nil {
		return nil
	}
	r := img.release
	img.release = nil
	img.ManifestJSON, img.Module, img.Memory, img.Files = nil, nil, nil, nil
	return r()
}
