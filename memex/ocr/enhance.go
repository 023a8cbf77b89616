package ocr

import (
	"image"
	"math"
	"slices"
)

// Uneven light. A receipt photographed on a table is brighter at one end
// than the other, shadowed by the phone, or lit in a gradient; a scan of
// creased thermal paper is grey in the folds. Tesseract binarises with
// one global (Otsu) threshold, so the dim end of such a page turns black
// or its faint print white. flatten divides every pixel by an estimate of
// the paper's brightness around it (the background), which makes the
// paper uniformly white and leaves the print as dark as it is relative
// to its own surroundings; then it stretches the result so the darkest
// print is black.
//
// The background is a coarse grid: each block of about flattenBlock of
// the image's short side gets its flattenPercentile brightness (the
// paper, as print covers far less than half a block), dilated over its
// neighbours (a block filled by a bold heading or a logo takes the
// paper of the blocks around it), smoothed, and interpolated bilinearly
// between block centres. It never falls below a third of the page's
// paper white, so a dark region (a black bar with white print, the
// table behind the paper) is not blown up into noise. The cost is one
// pass to build the grid and one to divide: linear in the pixels, and a
// grid of at most flattenMaxBlocks² cells.
const (
	flattenBlock      = 1.0 / 24
	flattenMinBlock   = 16
	flattenMaxBlocks  = 256
	flattenPercentile = 0.9
	// flattenInk is the share of the darkest pixels that become black
	// in the stretch after division.
	flattenInk = 0.005
)

// flatten returns g with its background made uniformly white; see the
// comment above. g is not changed.
func flatten(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w < 2*flattenMinBlock || h < 2*flattenMinBlock {
		return g
	}
	bs := max(flattenMinBlock, int(float64(min(w, h))*flattenBlock), (max(w, h)+flattenMaxBlocks-1)/flattenMaxBlocks)
	gw, gh := (w+bs-1)/bs, (h+bs-1)/bs
	grid := make([]float64, gw*gh)
	var hist [256]int
	for by := range gh {
		for bx := range gw {
			hist = [256]int{}
			n := 0
			for y := by * bs; y < min(h, (by+1)*bs); y++ {
				row := g.Pix[y*g.Stride:]
				for x := bx * bs; x < min(w, (bx+1)*bs); x++ {
					hist[row[x]]++
					n++
				}
			}
			grid[by*gw+bx] = float64(percentile(hist[:], n, flattenPercentile))
		}
	}
	// The paper's white over the whole page, and the floor below which
	// the background is not taken to go.
	paper := slices.Clone(grid)
	slices.Sort(paper)
	floor := paper[len(paper)*95/100] / 3
	grid = gridFilter(grid, gw, gh, func(vs []float64) float64 { return slices.Max(vs) })
	grid = gridFilter(grid, gw, gh, func(vs []float64) float64 {
		s := 0.0
		for _, v := range vs {
			s += v
		}
		return s / float64(len(vs))
	})
	for i, v := range grid {
		grid[i] = max(v, floor, 1)
	}

	// The gain 255/background, interpolated bilinearly between block
	// centres: first along the row of blocks, then per pixel.
	for i, v := range grid {
		grid[i] = 255 / v
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	var outHist [256]int
	xi0, xi1, xt := make([]int, w), make([]int, w), make([]float64, w)
	for x := range w {
		i, t := blockPos(x, bs)
		xi0[x], xi1[x], xt[x] = clampInt(i, 0, gw-1), clampInt(i+1, 0, gw-1), t
	}
	gain := make([]float64, gw)
	for y := range h {
		i, ty := blockPos(y, bs)
		r0, r1 := grid[clampInt(i, 0, gh-1)*gw:], grid[clampInt(i+1, 0, gh-1)*gw:]
		for bx := range gain {
			gain[bx] = (1-ty)*r0[bx] + ty*r1[bx]
		}
		in, o := g.Pix[y*g.Stride:y*g.Stride+w], out.Pix[y*out.Stride:]
		for x, p := range in {
			t := xt[x]
			v := uint8(min(255, float64(p)*((1-t)*gain[xi0[x]]+t*gain[xi1[x]])))
			o[x] = v
			outHist[v]++
		}
	}
	// Stretch: the darkest flattenInk of the pixels become black.
	lo := int(percentile(outHist[:], w*h, flattenInk))
	if lo > 0 && lo < 200 {
		var lut [256]uint8
		for v := range lut {
			lut[v] = uint8(max(0, v-lo) * 255 / (255 - lo))
		}
		for i, v := range out.Pix {
			out.Pix[i] = lut[v]
		}
	}
	return out
}

// blockPos returns the block whose centre is at or before pixel p (blocks
// of bs pixels; -1 before the first centre) and how far p lies towards
// the next centre (0–1).
func blockPos(p, bs int) (int, float64) {
	f := (float64(p)+0.5)/float64(bs) - 0.5
	i := int(math.Floor(f))
	return i, f - float64(i)
}

// gridFilter returns the grid with every cell replaced by f of the cells
// of its 3×3 neighbourhood within the grid.
func gridFilter(grid []float64, gw, gh int, f func([]float64) float64) []float64 {
	out := make([]float64, len(grid))
	vs := make([]float64, 0, 9)
	for y := range gh {
		for x := range gw {
			vs = vs[:0]
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if xx, yy := x+dx, y+dy; xx >= 0 && xx < gw && yy >= 0 && yy < gh {
						vs = append(vs, grid[yy*gw+xx])
					}
				}
			}
			out[y*gw+x] = f(vs)
		}
	}
	return out
}

func clampInt(v, lo, hi int) int {
	return max(lo, min(hi, v))
}

// Speckle. A fax-like scan, or one saved as black and white with the
// scanner's noise dithered in, is strewn with dark dots, and tesseract
// takes the page for a picture: a Finnish invoice read as 6 confident
// words, 57 after a 3×3 median. The median also thins strokes one pixel
// wide, so it is applied only to a speckled page: one where at least
// speckleDots of the dark components (textsize.go) are dots of at most
// tinyComp pixels across. On the real corpus the three speckled scans
// have 0.95–0.98 of them, every other page at most 0.8 (photos of
// receipts on a textured table).
const speckleDots = 0.9

// speckled reports whether g is strewn with dark dots.
func speckled(g *image.Gray) bool {
	_, dots, ok := components(g)
	return ok && dots >= speckleDots
}

// median3 returns g filtered by a 3×3 median (the border pixels keep
// their values).
func median3(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		copy(out.Pix[y*out.Stride:y*out.Stride+w], g.Pix[y*g.Stride:y*g.Stride+w])
	}
	var v [9]uint8
	for y := 1; y < h-1; y++ {
		up, row, down := g.Pix[(y-1)*g.Stride:], g.Pix[y*g.Stride:], g.Pix[(y+1)*g.Stride:]
		o := out.Pix[y*out.Stride:]
		for x := 1; x < w-1; x++ {
			v = [9]uint8{up[x-1], up[x], up[x+1], row[x-1], row[x], row[x+1], down[x-1], down[x], down[x+1]}
			o[x] = median9(&v)
		}
	}
	return out
}

// median9 returns the median of nine values (a partial sorting network).
func median9(p *[9]uint8) uint8 {
	sort2 := func(i, j int) {
		if p[i] > p[j] {
			p[i], p[j] = p[j], p[i]
		}
	}
	sort2(1, 2)
	sort2(4, 5)
	sort2(7, 8)
	sort2(0, 1)
	sort2(3, 4)
	sort2(6, 7)
	sort2(1, 2)
	sort2(4, 5)
	sort2(7, 8)
	sort2(0, 3)
	sort2(5, 8)
	sort2(4, 7)
	sort2(3, 6)
	sort2(1, 4)
	sort2(2, 5)
	sort2(4, 7)
	sort2(4, 2)
	sort2(6, 4)
	sort2(4, 2)
	return p[4]
}
