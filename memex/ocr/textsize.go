package ocr

import (
	"image"
	"math"
	"slices"
)

// Text size. Tesseract reads best when letters are about targetCharHeight
// pixels high; much smaller, and digits blur into each other (3/8, 1/7,
// 5/6) and words vanish. The old rule doubled every image whose long
// side was under 2200 pixels, which misses a tall narrow receipt of
// small print and doubles a small image of large print for nothing.
// charHeight measures the print instead: the median height of the
// connected components of dark pixels that are shaped like characters
// (charMinH to charMaxH pixels high, at most charMaxAspect times as wide
// as high). Components are found from runs of dark pixels row by row
// (union–find over runs), so memory follows the number of runs, bounded
// by maxRuns, not the pixels.
const (
	charMinH      = 5
	charMaxH      = 200
	charMaxAspect = 3
	minChars      = 20
	maxRuns       = 4_000_000
)

// inkRun is a horizontal run of dark pixels [x0, x1) in one row.
type inkRun struct{ x0, x1 int32 }

// charHeight returns the median height in pixels of the character-shaped
// dark components of g (dark: below the Otsu threshold), and false when
// there are fewer than minChars of them or the image has too many runs.
func charHeight(g *image.Gray) (float64, bool) {
	heights, _, ok := components(g)
	if !ok || len(heights) < minChars {
		return 0, false
	}
	slices.Sort(heights)
	return float64(heights[len(heights)/2]), true
}

// tinyComp is the size in pixels (width and height) up to which a dark
// component is a dot.
const tinyComp = 3

// components finds the connected components of the dark pixels of g
// (below its Otsu threshold) and returns the heights of those shaped like
// characters and the share of all components that are dots (tinyComp);
// ok is false when there are more than maxRuns runs.
func components(g *image.Gray) (heights []int32, dots float64, ok bool) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var hist [256]int
	for y := range h {
		for _, v := range g.Pix[y*g.Stride : y*g.Stride+w] {
			hist[v]++
		}
	}
	t := otsu(hist[:])
	type comp struct{ y0, y1, x0, x1 int32 }
	var parent []int32
	var comps []comp
	find := func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	var prev, cur []inkRun
	var prevID, curID []int32
	for y := range h {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		cur, curID = cur[:0], curID[:0]
		for x := 0; x < w; {
			if row[x] >= t {
				x++
				continue
			}
			x0 := x
			for x < w && row[x] < t {
				x++
			}
			cur = append(cur, inkRun{int32(x0), int32(x)})
		}
		if len(parent)+len(cur) > maxRuns {
			return nil, 0, false
		}
		j := 0
		for _, r := range cur {
			id := int32(len(parent))
			parent = append(parent, id)
			comps = append(comps, comp{int32(y), int32(y), r.x0, r.x1})
			// Runs of the row above that touch this one (8-connected).
			for j > 0 && prev[j-1].x1 >= r.x0 {
				j--
			}
			for ; j < len(prev) && prev[j].x0 <= r.x1; j++ {
				if prev[j].x1 < r.x0 {
					continue
				}
				a, b := find(prevID[j]), find(id)
				if a != b {
					parent[b] = a
					ca, cb := &comps[a], comps[b]
					ca.y0, ca.y1 = min(ca.y0, cb.y0), max(ca.y1, cb.y1)
					ca.x0, ca.x1 = min(ca.x0, cb.x0), max(ca.x1, cb.x1)
					id = a
				}
			}
			c := &comps[find(id)]
			c.y1, c.x0, c.x1 = max(c.y1, int32(y)), min(c.x0, r.x0), max(c.x1, r.x1)
			curID = append(curID, id)
		}
		prev, cur = cur, prev
		prevID, curID = curID, prevID
	}
	n, tiny := 0, 0
	for i := range parent {
		if parent[i] != int32(i) {
			continue
		}
		n++
		c := comps[i]
		ch, cw := c.y1-c.y0+1, c.x1-c.x0
		if ch <= tinyComp && cw <= tinyComp {
			tiny++
		}
		if ch >= charMinH && ch <= charMaxH && cw <= charMaxAspect*ch {
			heights = append(heights, ch)
		}
	}
	if n == 0 {
		return heights, 0, true
	}
	return heights, float64(tiny) / float64(n), true
}

// scaleGray returns g resized by the factor s (> 0), interpolated
// bilinearly.
func scaleGray(g *image.Gray, s float64) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	nw, nh := max(1, int(float64(w)*s+0.5)), max(1, int(float64(h)*s+0.5))
	out := image.NewGray(image.Rect(0, 0, nw, nh))
	x0, x1, xt := make([]int, nw), make([]int, nw), make([]float64, nw)
	for x := range nw {
		f := max(0, (float64(x)+0.5)/s-0.5)
		i := int(f)
		x0[x], x1[x], xt[x] = min(i, w-1), min(i+1, w-1), f-float64(i)
	}
	for y := range nh {
		f := max(0, (float64(y)+0.5)/s-0.5)
		i := int(f)
		ty := f - float64(i)
		r0, r1 := g.Pix[min(i, h-1)*g.Stride:], g.Pix[min(i+1, h-1)*g.Stride:]
		o := out.Pix[y*out.Stride:]
		for x := range nw {
			t := xt[x]
			v := (1-ty)*((1-t)*float64(r0[x0[x]])+t*float64(r0[x1[x]])) + ty*((1-t)*float64(r1[x0[x]])+t*float64(r1[x1[x]]))
			o[x] = uint8(v + 0.5)
		}
	}
	return out
}

// Upscaling by the print's size: see charHeight.
const (
	// targetCharHeight is the median character height (x-height for
	// mixed case, cap height for capitals) wanted.
	targetCharHeight = 20
	// maxUpscale: enlarged further, print of 5–6 pixels blurs so much
	// that tesseract lost dates and totals it read at twice the size (on
	// the tune half: 4 gave 37 of 66 core fields on the pages that
	// enlarging changed, 2.5 gave 41).
	maxUpscale = 2.5
	// minUpscale: a smaller factor is not worth the pixels.
	minUpscale = 1.25
	// upscaleMaxPixels bounds an upscaled image: tesseract's time grows
	// with the pixels, and the page has a deadline.
	upscaleMaxPixels = 24_000_000
)

// upscale returns the factor to enlarge g by before tesseract reads it:
// enough to bring its print to targetCharHeight, at most maxUpscale, and
// within upscaleMaxPixels and maxPixels; 1 for none. When the print
// cannot be measured, a small image (long side under upscaleBelow) is
// doubled.
func upscale(g *image.Gray, maxPixels int64) float64 {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	s := 1.0
	if ch, ok := charHeight(g); ok {
		s = min(maxUpscale, targetCharHeight/ch)
	} else if max(w, h) < upscaleBelow {
		s = 2
	}
	px := float64(w) * float64(h)
	if budget := float64(min(maxPixels, upscaleMaxPixels)); px*s*s > budget {
		s = math.Sqrt(budget / px)
	}
	if s < minUpscale {
		return 1
	}
	return s
}
