package ocr

import (
	"image"
	"math"
)

// Small skews. Tesseract turns pages by quarter turns (orient.go) and
// copes with a degree or so of skew, but a receipt photographed a few
// degrees off square loses what fact extraction needs most: the label
// and its amount at the two ends of one line fall on different text
// lines, and tight rows merge. skewAngle finds the angle by projection
// profiles: the dark pixels of a reduced copy of the page (long side at
// most skewSide) are projected onto rows at every angle of ±maxSkew
// degrees in skewStep steps, then finer around the best; text lines
// standing level make the sharpest profile (the largest sum of squared
// row counts). A page is turned only when its skew is at least minSkew
// degrees and the level profile is sharper by minSkewGain than the page
// as it is, so straight pages and pages without lines of text (a photo,
// a blank) are left alone. The cost is bounded by skewSide and
// maxSkewPoints, whatever the image size.
const (
	maxSkew       = 5.0
	skewStep      = 0.25
	skewFine      = 0.05
	minSkew       = 0.4
	minSkewGain   = 1.1
	skewSide      = 1000
	maxSkewPoints = 200_000
)

// skewAngle returns the angle in degrees by which the text lines of g
// slope down to the right (positive: clockwise on screen); turning the
// page counter-clockwise by it levels them. It returns 0 when the page
// is level or has no clear lines; see the comment above.
func skewAngle(g *image.Gray) float64 {
	pts := inkPoints(g)
	if len(pts) < 200 {
		return 0
	}
	best, bestScore := 0.0, profileScore(pts, 0)
	level := bestScore
	search := func(from, to, step float64) {
		for a := from; a <= to+1e-9; a += step {
			if s := profileScore(pts, a); s > bestScore {
				best, bestScore = a, s
			}
		}
	}
	search(-maxSkew, maxSkew, skewStep)
	search(best-skewStep, best+skewStep, skewFine)
	if math.Abs(best) < minSkew || bestScore < minSkewGain*level {
		return 0
	}
	return best
}

// inkPoints returns the dark pixels of g reduced so that its long side is
// at most skewSide, thinned to at most maxSkewPoints, as coordinates of
// the reduced image. Dark is below the Otsu threshold of the reduced
// image.
func inkPoints(g *image.Gray) [][2]float32 {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w < 32 || h < 32 {
		return nil
	}
	f := max(1, (max(w, h)+skewSide-1)/skewSide)
	rw, rh := w/f, h/f
	small := make([]uint8, rw*rh)
	var hist [256]int
	for y := range rh {
		for x := range rw {
			s := 0
			for dy := range f {
				row := g.Pix[(y*f+dy)*g.Stride+x*f:]
				for dx := range f {
					s += int(row[dx])
				}
			}
			v := uint8(s / (f * f))
			small[y*rw+x] = v
			hist[v]++
		}
	}
	t := otsu(hist[:])
	n := 0
	for _, v := range small {
		if v < t {
			n++
		}
	}
	// Ink over half the page is a picture or a dark background, not text.
	if n == 0 || n > len(small)/2 {
		return nil
	}
	every := max(1, (n+maxSkewPoints-1)/maxSkewPoints)
	pts := make([][2]float32, 0, n/every+1)
	i := 0
	for y := range rh {
		for x := range rw {
			if small[y*rw+x] < t {
				if i%every == 0 {
					pts = append(pts, [2]float32{float32(x), float32(y)})
				}
				i++
			}
		}
	}
	return pts
}

// profileScore projects pts onto rows tilted by deg degrees and returns
// the sum of the squared row counts.
func profileScore(pts [][2]float32, deg float64) float64 {
	s, c := math.Sincos(deg * math.Pi / 180)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		r := float64(p[1])*c - float64(p[0])*s
		lo, hi = min(lo, r), max(hi, r)
	}
	bins := make([]int, int(hi-lo)+2)
	for _, p := range pts {
		bins[int(float64(p[1])*c-float64(p[0])*s-lo)]++
	}
	sum := 0.0
	for _, b := range bins {
		sum += float64(b) * float64(b)
	}
	return sum
}

// otsu returns the threshold that best separates the histogram's two
// classes (Otsu's method): values below it are the dark class.
func otsu(hist []int) uint8 {
	total, sum := 0, 0.0
	for i, c := range hist {
		total += c
		sum += float64(i * c)
	}
	if total == 0 {
		return 128
	}
	var wB, sumB, best float64
	t := 128
	for i, c := range hist {
		wB += float64(c)
		if wB == 0 {
			continue
		}
		wF := float64(total) - wB
		if wF == 0 {
			break
		}
		sumB += float64(i * c)
		mB, mF := sumB/wB, (sum-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > best {
			best, t = v, i+1
		}
	}
	return uint8(min(t, 255))
}

// rotate returns g turned by deg degrees (positive: counter-clockwise on
// screen, which levels a page whose skewAngle is deg), on a canvas large
// enough for the whole page, the corners filled white; bilinear.
func rotate(g *image.Gray, deg float64) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	s, c := math.Sincos(deg * math.Pi / 180)
	nw := int(math.Ceil(float64(w)*math.Abs(c) + float64(h)*math.Abs(s)))
	nh := int(math.Ceil(float64(w)*math.Abs(s) + float64(h)*math.Abs(c)))
	out := image.NewGray(image.Rect(0, 0, nw, nh))
	cx, cy := float64(w)/2, float64(h)/2
	ncx, ncy := float64(nw)/2, float64(nh)/2
	for y := range nh {
		o := out.Pix[y*out.Stride:]
		dy := float64(y) + 0.5 - ncy
		for x := range nw {
			dx := float64(x) + 0.5 - ncx
			// the source point: the output point turned back (clockwise)
			sx := dx*c - dy*s + cx - 0.5
			sy := dx*s + dy*c + cy - 0.5
			o[x] = sampleGray(g, sx, sy)
		}
	}
	return out
}

// sampleGray returns g at (x, y) interpolated bilinearly, white outside.
func sampleGray(g *image.Gray, x, y float64) uint8 {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	tx, ty := x-float64(x0), y-float64(y0)
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= w || y >= h {
			return 255
		}
		return float64(g.Pix[y*g.Stride+x])
	}
	v := (1-ty)*((1-tx)*at(x0, y0)+tx*at(x0+1, y0)) + ty*((1-tx)*at(x0, y0+1)+tx*at(x0+1, y0+1))
	return uint8(min(255, max(0, v+0.5)))
}
