package ocr

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// page draws a w×h image of background bg with a white sheet at sheet
// holding dark text lines, and an optional dark band (a logo) across the
// sheet's top.
func page(w, h int, bg uint8, sheet image.Rectangle, band bool) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := bg
			p := image.Pt(x, y)
			if p.In(sheet) {
				v = 240
				inner := sheet.Inset(sheet.Dx() / 10)
				if p.In(inner) && (y-inner.Min.Y)%20 < 6 && (x-inner.Min.X)%9 < 6 {
					v = 20 // text
				}
				if band && y >= sheet.Min.Y+sheet.Dy()/20 && y < sheet.Min.Y+sheet.Dy()/10 {
					v = 30
				}
			}
			img.SetGray(x, y, color.Gray{v})
		}
	}
	return img
}

func TestPaperRect(t *testing.T) {
	near := func(a, b image.Rectangle, tol int) bool {
		d := func(x, y int) bool { return x-y <= tol && y-x <= tol }
		return d(a.Min.X, b.Min.X) && d(a.Min.Y, b.Min.Y) && d(a.Max.X, b.Max.X) && d(a.Max.Y, b.Max.Y)
	}
	sheet := image.Rect(500, 40, 760, 960)
	for _, c := range []struct {
		name string
		img  image.Image
		want image.Rectangle // empty: no crop
	}{
		{"receipt on dark lid", page(800, 1000, 40, sheet, false), sheet},
		{"receipt on grey card", page(800, 1000, 175, sheet, false), sheet},
		// Rows are not cut when a dark band would cut off paper above it.
		{"receipt with a dark logo band", page(800, 1000, 40, sheet, true), image.Rect(500, 0, 760, 1000)},
		{"full page", page(800, 1000, 40, image.Rect(0, 0, 800, 1000), false), image.Rectangle{}},
		{"page with a thin border", page(800, 1000, 40, image.Rect(30, 30, 770, 970), false), image.Rectangle{}},
	} {
		r, ok := paperRect(c.img)
		if c.want.Empty() {
			if ok {
				t.Errorf("%s: cropped to %v, want no crop", c.name, r)
			}
			continue
		}
		if !ok || !near(r, c.want, 25) {
			t.Errorf("%s: got %v (crop %v), want about %v", c.name, r, ok, c.want)
		}
	}
}

// TestPaperRectEdgeStrip: a white strip at the image's edge (the scanner
// lid) beside the background does not stop the crop.
func TestPaperRectEdgeStrip(t *testing.T) {
	img := page(800, 1000, 170, image.Rect(500, 40, 740, 960), false)
	for y := range 1000 {
		for x := 780; x < 800; x++ {
			img.SetGray(x, y, color.Gray{245})
		}
	}
	r, ok := paperRect(img)
	if !ok || r.Min.X < 470 || r.Max.X > 770 {
		t.Errorf("got %v (crop %v), want about x 500–740", r, ok)
	}
}

// TestPrepare: a small receipt on a dark background is cut to the paper
// and enlarged (its print of 6 pixels by the most, maxUpscale); a large page
// with nothing to cut is left alone when only cutting is asked for.
func TestPrepare(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, page(800, 1000, 40, image.Rect(500, 40, 760, 960), false)); err != nil {
		t.Fatal(err)
	}
	out, ok := prepare(buf.Bytes(), "png", 100<<20, prepSteps{crop: true, enlarge: true})
	if !ok {
		t.Fatal("small receipt not prepared")
	}
	c, err := png.DecodeConfig(bytes.NewReader(out))
	if err != nil || c.Width < maxUpscale*230 || c.Width > maxUpscale*270 || c.Height < maxUpscale*880 || c.Height > maxUpscale*960 {
		t.Errorf("prepared image %dx%d (%v), want about %.0fx%.0f", c.Width, c.Height, err, maxUpscale*260, maxUpscale*920)
	}
	buf.Reset()
	if err := png.Encode(&buf, page(2400, 3000, 240, image.Rect(0, 0, 2400, 3000), false)); err != nil {
		t.Fatal(err)
	}
	if _, ok := prepare(buf.Bytes(), "png", 100<<20, prepSteps{crop: true}); ok {
		t.Error("a large plain page was changed")
	}
	if _, ok := prepare([]byte("not an image"), "png", 100<<20, imagePrep); ok {
		t.Error("garbage was prepared")
	}
}

// TestPaperRectNotAStrip: a photo of a page placed on a PDF page with a
// white margin strip beside it is not cut to the strip.
func TestPaperRectNotAStrip(t *testing.T) {
	img := page(1000, 1400, 60, image.Rect(940, 0, 1000, 1400), false)
	if r, ok := paperRect(img); ok && r.Dx() < 1000/minPaper {
		t.Errorf("cut to %v, a strip %d pixels wide", r, r.Dx())
	}
}
