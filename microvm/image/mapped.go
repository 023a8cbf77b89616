package image

import (
	"crypto/ed25519"
	"fmt"
	"time"
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
	img, _, err := mapAndDecode(path, "", opt.Prepare, nil)
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
// It hashes the image's sections only when no verification stamp vouches
// for the file, and stamps the file after hashing them (verified.go);
// every other check, the signature's included, is made on every call.
func (s *Store) Map(ref string, opt MapOptions) (*Image, error) {
	digest, err := s.Resolve(ref)
	if err != nil {
		return nil, err
	}
	img, hashed, err := mapAndDecode(s.path(digest), digest, opt.Prepare, func(f fileStamp) bool {
		return s.stamped(digest, f, time.Now())
	})
	if err != nil {
		return nil, fmt.Errorf("load image %s: %w", digest, err)
	}
	if err := img.Verify(opt.Trusted...); err != nil {
		img.Close()
		return nil, err
	}
	if hashed.ok() {
		s.stamp(digest, hashed)
	}
	return img, nil
}

// mapAndDecode maps (or reads) the file and decodes it; a non-empty
// digest must be the image's. With stamped set, the sections are not
// hashed when stamped says the file's stamp vouches for them; the
// returned stamp is the file's when its sections were hashed and found
// good (the zero value otherwise).
func mapAndDecode(path, digest string, prepare func(*Manifest), stamped func(fileStamp) bool) (*Image, fileStamp, error) {
	b, release, f, err := mapSealedStamp(path)
	if err != nil {
		return nil, fileStamp{}, err
	}
	checked := stamped != nil && f.ok() && stamped(f)
	img, err := decode(b, prepare, checked)
	if err == nil && digest != "" && img.Digest != digest {
		err = fmt.Errorf("manifest hashes to %s: %w", img.Digest, ErrTampered)
	}
	if err != nil {
		if release != nil {
			release()
		}
		return nil, fileStamp{}, err
	}
	img.release = release
	if checked {
		f = fileStamp{}
	}
	return img, f, nil
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
