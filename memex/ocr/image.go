package ocr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image/jpeg"
	"image/png"
)

// imageInfo is what the header of an image file says about it.
type imageInfo struct {
	format string // png, jpeg, tiff
	w, h   int64  // of the largest page
	pages  int
}

// maxTIFFPages bounds the directory chain walked in a TIFF header.
const maxTIFFPages = 1000

// probeImage reads an image's format and dimensions from its header,
// without decoding pixels.
func probeImage(data []byte) (imageInfo, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		c, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return imageInfo{}, fmt.Errorf("read PNG header: %w", err)
		}
		return imageInfo{"png", int64(c.Width), int64(c.Height), 1}, nil
	case bytes.HasPrefix(data, []byte{0xff, 0xd8}):
		c, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return imageInfo{}, fmt.Errorf("read JPEG header: %w", err)
		}
		return imageInfo{"jpeg", int64(c.Width), int64(c.Height), 1}, nil
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return probeTIFF(data)
	case bytes.HasPrefix(data, []byte("II+\x00")), bytes.HasPrefix(data, []byte("MM\x00+")):
		return imageInfo{}, errors.New("BigTIFF images are not supported")
	}
	return imageInfo{}, errors.New("not a PNG, JPEG or TIFF image")
}

// probeTIFF walks a classic TIFF's image file directories: the page count
// and the largest page's ImageWidth (256) and ImageLength (257).
func probeTIFF(data []byte) (imageInfo, error) {
	if len(data) < 8 {
		return imageInfo{}, errors.New("truncated TIFF header")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		bo = binary.BigEndian
	}
	info := imageInfo{format: "tiff"}
	seen := map[uint32]bool{}
	off := bo.Uint32(data[4:8])
	for off != 0 {
		if seen[off] {
			return imageInfo{}, errors.New("TIFF directory chain loops")
		}
		if len(seen) >= maxTIFFPages {
			return imageInfo{}, fmt.Errorf("TIFF has more than %d pages (over the page limit)", maxTIFFPages)
		}
		seen[off] = true
		if uint64(off)+2 > uint64(len(data)) {
			return imageInfo{}, errors.New("TIFF directory offset out of range")
		}
		n := uint64(bo.Uint16(data[off:]))
		end := uint64(off) + 2 + 12*n
		if end+4 > uint64(len(data)) {
			return imageInfo{}, errors.New("truncated TIFF directory")
		}
		var w, h int64
		for i := uint64(0); i < n; i++ {
			e := data[uint64(off)+2+12*i:]
			tag, typ, count := bo.Uint16(e), bo.Uint16(e[2:]), bo.Uint32(e[4:])
			if tag != 256 && tag != 257 || count != 1 {
				continue
			}
			var v int64
			switch typ {
			case 3: // SHORT, left-justified in the value field
				v = int64(bo.Uint16(e[8:]))
			case 4: // LONG
				v = int64(bo.Uint32(e[8:]))
			default:
				return imageInfo{}, fmt.Errorf("TIFF tag %d has type %d", tag, typ)
			}
			if tag == 256 {
				w = v
			} else {
				h = v
			}
		}
		if w <= 0 || h <= 0 {
			return imageInfo{}, errors.New("TIFF page without width or height")
		}
		if w*h > info.w*info.h {
			info.w, info.h = w, h
		}
		info.pages++
		off = bo.Uint32(data[end:])
	}
	if info.pages == 0 {
		return imageInfo{}, errors.New("TIFF has no pages")
	}
	return info, nil
}
