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
	// minPaper: the paper spans at least 1/minPaper of the width and of
	// the height (a white strip along a photo's edge is not the paper).
	minPaper = 6
)

// upscaleBelow: an image (after cropping) whose print cannot be measured
// (textsize.go) is read at twice its size when its long side is shorter
// than this many pixels. Scans made at 150–200 dpi and phone photos of
// receipts carry text a dozen pixels high, and tesseract reads such text
// far better enlarged.
const upscaleBelow = 2200

// prepSteps are the steps prepare takes beyond cutting to the paper.
type prepSteps struct {
	crop      bool // cut to the paper (paperRect)
	despeckle bool // a 3×3 median on a speckled page (enhance.go)
	flatten   bool // divide by the background (enhance.go)
	deskew    bool // level small skews (deskew.go)
	enlarge   bool // scale small print up (textsize.go)
}

// imagePrep is what Engine.Image asks of prepare, pdfPrep what Engine.PDF
// asks for each page it renders: not cut (a photo placed on a page with
// a white margin beside it was cut to the margin) nor enlarged (it is
// rendered at DPI).
// On the tune half of the real corpus's scanned documents, the light
// evened out and the print enlarged took the core fields from 312 to 317
// of 417 right, where enlarging alone lost 13 (enlarged grey edges
// blur, divided ones stay sharp); despeckling and preparing PDF pages
// took it to 323–325; levelling was neutral on the core fields (±2) and
// kept two more kinds and statuses.
var (
	imagePrep = prepSteps{crop: true, despeckle: true, flatten: true, deskew: true, enlarge: true}
	pdfPrep   = prepSteps{despeckle: true, flatten: true, deskew: true}
)

// prepare returns the image to hand tesseract: cut to the paper
// (paperRect), cleaned of speckle (speckled), its light evened out
// (flatten), levelled (skewAngle) and its print enlarged (upscale), as
// steps asks, as an 8-bit grey PNG; ok is false when nothing
// applies or the image does not decode, and the original is read as it
// is.
func prepare(data []byte, format string, maxPixels int64, steps prepSteps) (out []byte, ok bool) {
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
	r, cropped := img.Bounds(), false
	if steps.crop {
		if pr, ok := paperRect(img); ok {
			r, cropped = pr, true
		}
	}
	gray := grayOf(img, r)
	changed := cropped
	if steps.despeckle && speckled(gray) {
		gray, changed = median3(gray), true
	}
	if steps.flatten {
		gray, changed = flatten(gray), true
	}
	if steps.deskew {
		if a := skewAngle(gray); a != 0 {
			if rot := rotate(gray, a); int64(len(rot.Pix)) <= maxPixels {
				gray, changed = rot, true
			}
		}
	}
	if steps.enlarge {
		if s := upscale(gray, maxPixels); s == 2 {
			gray, changed = double(gray), true
		} else if s > 1 {
			gray, changed = scaleGray(gray, s), true
		}
	}
	if !changed {
		return nil, false
	}
	b, err := tempPNG(gray)
	if err != nil {
		return nil, false
	}
	return b, true
}

// tempPNG encodes g as an 8-bit grey PNG (what tesseract binarises
// anyway) for a temporary file: uncompressed, as compressing a 9 Mpx page
// takes seconds and saves only disk space for a moment.
func tempPNG(g *image.Gray) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&buf, g); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// grayOf returns the rectangle r of img as a grey image of its own
// (origin 0, 0): the luma plane as it is for a JPEG, a copy for a grey
// image, converted pixel by pixel otherwise.
func grayOf(img image.Image, r image.Rectangle) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	switch src := img.(type) {
	case *image.YCbCr:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			i := src.YOffset(r.Min.X, y)
			copy(g.Pix[(y-r.Min.Y)*g.Stride:], src.Y[i:i+r.Dx()])
		}
	case *image.Gray:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			i := src.PixOffset(r.Min.X, y)
			copy(g.Pix[(y-r.Min.Y)*g.Stride:], src.Pix[i:i+r.Dx()])
		}
	default:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				g.Set(x-r.Min.X, y-r.Min.Y, img.At(x, y))
			}
		}
	}
	return g
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
	if best1-best0 < len(share)/minPaper {
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
