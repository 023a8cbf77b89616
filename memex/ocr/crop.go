package ocr

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
)

// Scans and photos of receipts often show the paper on a darker
// background (the scanner lid left open, a desk, a sheet of cardboard),
// and tesseract's page segmentation then finds little or no text. Before
// a single-page PNG or JPEG is read, prepare cuts the image down to the
// paper (paperRect): the brightest region, when what lies around it is
// background.
//
// Luminance is sampled on a grid of about cropGrid points across; a
// sample is paper when it is within paperBand of the 95th percentile (the
// paper's white). A column belongs to the
// paper when at least paperShare of its samples are bright; the paper is
// the widest run of such columns, then, within it, the tallest run of
// such rows. Everything cut away must be background (fewer than
// backgroundShare bright samples per column or row) but for a narrow
// strip at an edge, so text columns of a page are never cut, and the crop
// is made only when it removes at least minCropGain of the area.
const (
	cropGrid        = 400
	paperShare      = 0.4
	backgroundShare = 0.25
	minCropGain     = 0.15
	// cropInset (of the width and height, at least one grid step) is
	// cut off the paper's edges too: a band of dark background left at
	// the edge makes tesseract take the page for a picture.
	cropInset = 0.005
	paperBand = 40
)

// upscaleBelow: an image (after cropping) whose long side is shorter
// than this many pixels is read at twice its size. Scans made at 150–200
// dpi and phone photos of receipts carry text a dozen pixels high, and
// tesseract reads such text far better doubled (the words of a receipt
// scanned at 180 dpi went from a third to nearly all).
const upscaleBelow = 2200

// prepare returns the image to hand tesseract: cut to the paper
// (paperRect) and doubled when small, as an 8-bit grey PNG; ok is false
// when neither applies or the image does not decode, and the original is
// read as it is.
func prepare(data []byte, format string, maxPixels int64) (out []byte, ok bool) {
	var img image.Image
	var err error
	switch format {
	case "png":
		img, err = png.Decode(bytes.NewReader(data))
	case "jpeg":
		img, err = jpeg.Decode(bytes.NewReader(data))
	default:
		return nil, false
	}
	if err != nil {
		return nil, false
	}
	r, cropped := paperRect(img)
	if !cropped {
		r = img.Bounds()
	}
	scale := 1
	if max(r.Dx(), r.Dy()) < upscaleBelow && int64(4*r.Dx()*r.Dy()) <= maxPixels {
		scale = 2
	}
	if !cropped && scale == 1 {
		return nil, false
	}
	// An 8-bit grey PNG: what tesseract binarises anyway, and small.
	gray := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			gray.Set(x-r.Min.X, y-r.Min.Y, img.At(x, y))
		}
	}
	if scale == 2 {
		gray = double(gray)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, gray); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// double returns g at twice its width and height, interpolated
// bilinearly.
func double(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, 2*w, 2*h))
	at := func(x, y int) int { return int(g.Pix[min(y, h-1)*g.Stride+min(x, w-1)]) }
	for y := range h {
		for x := range w {
			a, b, c, d := at(x, y), at(x+1, y), at(x, y+1), at(x+1, y+1)
			o := 2*y*out.Stride + 2*x
			out.Pix[o] = uint8(a)
			out.Pix[o+1] = uint8((a + b + 1) / 2)
			out.Pix[o+out.Stride] = uint8((a + c + 1) / 2)
			out.Pix[o+out.Stride+1] = uint8((a + b + c + d + 2) / 4)
		}
	}
	return out
}

// paperRect finds the paper in img; see the comment above.
func paperRect(img image.Image) (image.Rectangle, bool) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 50 || h < 50 {
		return image.Rectangle{}, false
	}
	step := max(1, max(w, h)/cropGrid)
	gw, gh := (w+step-1)/step, (h+step-1)/step
	lum := make([]uint8, gw*gh)
	var hist [256]int
	for gy := range gh {
		for gx := range gw {
			r, g, bl, _ := img.At(b.Min.X+gx*step, b.Min.Y+gy*step).RGBA()
			l := uint8((299*r + 587*g + 114*bl) / 1000 >> 8)
			lum[gy*gw+gx] = l
			hist[l]++
		}
	}
	// Paper is the brightest large region: a sample is bright when it is
	// within paperBand of the 95th percentile's luminance.
	t := uint8(max(0, int(percentile(hist[:], gw*gh, 0.95))-paperBand))
	bright := func(gx, gy int) bool { return lum[gy*gw+gx] > t }

	colShare := make([]float64, gw)
	for gx := range gw {
		n := 0
		for gy := range gh {
			if bright(gx, gy) {
				n++
			}
		}
		colShare[gx] = float64(n) / float64(gh)
	}
	x0, x1, ok := paperRun(colShare)
	if !ok {
		return image.Rectangle{}, false
	}
	rowShare := make([]float64, gh)
	for gy := range gh {
		n := 0
		for gx := x0; gx < x1; gx++ {
			if bright(gx, gy) {
				n++
			}
		}
		rowShare[gy] = float64(n) / float64(x1-x0)
	}
	y0, y1, ok := paperRun(rowShare)
	if !ok {
		y0, y1 = 0, gh // the columns alone
	}
	if float64((x1-x0)*(y1-y0)) > (1-minCropGain)*float64(gw*gh) {
		return image.Rectangle{}, false
	}
	mx, my := max(step, int(cropInset*float64(w))), max(step, int(cropInset*float64(h)))
	if x0 == 0 {
		mx = 0
	}
	r := image.Rect(b.Min.X+x0*step+mx, b.Min.Y+y0*step, b.Min.X+x1*step-mx, b.Min.Y+y1*step)
	if y0 > 0 || y1 < gh {
		r.Min.Y += my
		r.Max.Y -= my
	}
	r = r.Intersect(b)
	if r.Dx() < 50 || r.Dy() < 50 {
		return image.Rectangle{}, false
	}
	return r, true
}

// paperRun returns the widest run [i0, i1) of entries of at least
// paperShare, and whether everything outside it is background.
func paperRun(share []float64) (int, int, bool) {
	best0, best1 := 0, 0
	for i := 0; i < len(share); {
		if share[i] < paperShare {
			i++
			continue
		}
		j := i
		for j < len(share) && share[j] >= paperShare {
			j++
		}
		if j-i > best1-best0 {
			best0, best1 = i, j
		}
		i = j
	}
	if best1-best0 < len(share)/20 {
		return 0, 0, false
	}
	// Grow over the soft edge (paper shadows, the margin between
	// paperShare and backgroundShare), then require the rest to be
	// background.
	for best0 > 0 && share[best0-1] >= backgroundShare {
		best0--
	}
	for best1 < len(share) && share[best1] >= backgroundShare {
		best1++
	}
	// A narrow bright strip at an edge (the scanner's white lid showing
	// beside the background) is excused.
	lo, hi := 0, len(share)
	edge := len(share) / 20
	for lo < best0 && lo <= edge && share[lo] >= backgroundShare {
		lo++
	}
	if lo > edge {
		lo = 0
	}
	for hi > best1 && len(share)-hi <= edge && share[hi-1] >= backgroundShare {
		hi--
	}
	if len(share)-hi > edge {
		hi = len(share)
	}
	for i := lo; i < hi; i++ {
		if (i < best0 || i >= best1) && share[i] >= backgroundShare {
			return 0, 0, false
		}
	}
	return best0, best1, true
}

// percentile returns the luminance below which the share q of the
// histogram's total samples lie.
func percentile(hist []int, total int, q float64) uint8 {
	want, n := int(q*float64(total)), 0
	for i, c := range hist {
		n += c
		if n > want {
			return uint8(i)
		}
	}
	return 255
}
