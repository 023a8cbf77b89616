package ocr

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// textPage draws lines of "words" (dark dashes 9 pixels high) on a page
// of w×h, each line sloping by deg degrees (positive: down to the right),
// with paper brightness paper(x, y) and print at ink times the paper.
func textPage(w, h int, deg float64, paper func(x, y int) float64, ink float64) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			g.Pix[y*g.Stride+x] = uint8(paper(x, y))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	slope := math.Tan(deg * math.Pi / 180)
	for base := 60; base < h-60; base += 30 {
		x := 40
		for x < w-60 {
			word := 20 + rng.IntN(60)
			for xx := x; xx < min(x+word, w-40); xx++ {
				if xx%7 == 6 { // gaps between letters
					continue
				}
				for dy := range 9 {
					y := base + dy + int(math.Round(float64(xx)*slope))
					if y >= 0 && y < h {
						g.Pix[y*g.Stride+xx] = uint8(paper(xx, y) * ink)
					}
				}
			}
			x += word + 12
		}
	}
	return g
}

func flat(x, y int) float64 { return 235 }

func TestSkewAngle(t *testing.T) {
	for _, deg := range []float64{-4, -2.5, -1, 1.5, 3, 4.5} {
		g := textPage(900, 1200, deg, flat, 0.1)
		got := skewAngle(g)
		if math.Abs(got-deg) > 0.15 {
			t.Errorf("skew %.2f°: found %.2f°", deg, got)
			continue
		}
		// Turned by the angle found, the lines stand level.
		r := rotate(g, got)
		if a := skewAngle(r); a != 0 {
			t.Errorf("skew %.2f°: after turning by %.2f° still %.2f°", deg, got, a)
		}
		if r.Rect.Dx() < 900 || r.Rect.Dy() < 1200 || r.Rect.Dx() > 1000 || r.Rect.Dy() > 1300 {
			t.Errorf("skew %.2f°: turned page is %v", deg, r.Rect)
		}
	}
	for name, g := range map[string]*image.Gray{
		"level":   textPage(900, 1200, 0, flat, 0.1),
		"slight":  textPage(900, 1200, 0.2, flat, 0.1),
		"blank":   textPage(900, 1200, 0, flat, 1),
		"noise":   noise(600, 800),
		"tiny":    image.NewGray(image.Rect(0, 0, 10, 10)),
		"outside": textPage(900, 1200, 8, flat, 0.1), // beyond maxSkew: not found near 8°
	} {
		if a := skewAngle(g); a != 0 && name != "outside" || name == "outside" && math.Abs(a) > maxSkew {
			t.Errorf("%s page: skew %.2f°, want 0", name, a)
		}
	}
}

func noise(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range g.Pix {
		g.Pix[i] = uint8(rng.IntN(256))
	}
	return g
}

func TestRotateKeepsContent(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 200, 100))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	// A dark square right of the centre.
	for y := 40; y < 60; y++ {
		for x := 140; x < 160; x++ {
			g.Pix[y*g.Stride+x] = 0
		}
	}
	r := rotate(g, 90)
	// Turned counter-clockwise by 90°, right of the centre becomes above
	// it: the canvas is 100 wide and 200 high, the square near (50, 50).
	if r.Rect.Dx() < 100 || r.Rect.Dx() > 102 || r.Rect.Dy() < 200 || r.Rect.Dy() > 202 {
		t.Fatalf("turned 200×100 page is %v", r.Rect)
	}
	if v := r.GrayAt(50, 50).Y; v > 30 {
		t.Errorf("square not at (50, 50) after turning: %d", v)
	}
	if v := r.GrayAt(50, 150).Y; v < 225 {
		t.Errorf("below the centre is not white: %d", v)
	}
	if v := rotate(g, 0).GrayAt(150, 50).Y; v != 0 {
		t.Errorf("turned by 0°: square lost (%d)", v)
	}
}

func TestFlattenEvensLight(t *testing.T) {
	// Light falling from 245 on the left to 70 on the right, as on a
	// receipt photographed beside a window; print at 40% of the paper.
	gradient := func(x, y int) float64 { return 245 - 175*float64(x)/1000 }
	g := textPage(1000, 800, 0, gradient, 0.4)
	// One global threshold cannot separate print from paper here: the
	// paper on the right is darker than the print on the left.
	if paperRight, inkLeft := gradient(990, 0), gradient(40, 0)*0.4; paperRight > inkLeft {
		t.Fatalf("test page is not uneven enough: paper %v, ink %v", paperRight, inkLeft)
	}
	f := flatten(g)
	if f.Rect != g.Rect {
		t.Fatalf("flattened page is %v, want %v", f.Rect, g.Rect)
	}
	var paperMin, inkMax uint8 = 255, 0
	for y := range 800 {
		for x := range 1000 {
			v := f.Pix[y*f.Stride+x]
			if g.Pix[y*g.Stride+x] == uint8(gradient(x, y)) {
				paperMin = min(paperMin, v)
			} else {
				inkMax = max(inkMax, v)
			}
		}
	}
	if paperMin < 200 || inkMax > 140 {
		t.Errorf("flattened: paper down to %d (want ≥ 200), print up to %d (want ≤ 140)", paperMin, inkMax)
	}
	// An even page stays as it was but for the stretch: print stays dark
	// and paper white.
	e := flatten(textPage(1000, 800, 0, flat, 0.3))
	if v := e.GrayAt(5, 5).Y; v < 250 {
		t.Errorf("even page's paper became %d", v)
	}
	if tiny := image.NewGray(image.Rect(0, 0, 8, 8)); flatten(tiny) != tiny {
		t.Error("a page too small to flatten was changed")
	}
}

func TestOtsu(t *testing.T) {
	var hist [256]int
	hist[30], hist[200] = 100, 400
	if th := otsu(hist[:]); th <= 30 || th > 200 {
		t.Errorf("otsu of 30/200 = %d", th)
	}
	if th := otsu(make([]int, 256)); th != 128 {
		t.Errorf("otsu of nothing = %d", th)
	}
}

func TestCharHeight(t *testing.T) {
	for _, tc := range []struct {
		name string
		g    *image.Gray
		want float64 // 0: no estimate
	}{
		{"print 9 high", textPage(900, 1200, 0, flat, 0.1), 9},
		{"print 9 high, skewed", textPage(900, 1200, 2, flat, 0.1), 9},
		{"blank", textPage(900, 1200, 0, flat, 1), 0},
		{"tiny", image.NewGray(image.Rect(0, 0, 4, 4)), 0},
	} {
		got, ok := charHeight(tc.g)
		if tc.want == 0 {
			if ok {
				t.Errorf("%s: height %.0f, want none", tc.name, got)
			}
			continue
		}
		// Letters slope across a row boundary on a skewed page.
		if !ok || got < tc.want || got > tc.want+2 {
			t.Errorf("%s: height %.0f (%v), want %.0f", tc.name, got, ok, tc.want)
		}
	}
	// Doubled, the print measures twice as high.
	g := double(textPage(600, 800, 0, flat, 0.1))
	if got, ok := charHeight(g); !ok || got < 17 || got > 19 {
		t.Errorf("doubled print: height %.0f (%v), want 18", got, ok)
	}
}

func encodePNG(t testing.TB, g image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPrepareSteps: a photo of a skewed page of small print in uneven
// light comes out level, evenly lit and enlarged to the print size
// tesseract reads best.
func TestPrepareSteps(t *testing.T) {
	light := func(x, y int) float64 { return 230 - 120*float64(y)/1200 }
	in := encodePNG(t, textPage(900, 1200, 3, light, 0.35))
	out, ok := prepare(in, "png", DefaultMaxPixels, imagePrep)
	if !ok {
		t.Fatal("page not prepared")
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	g, isGray := img.(*image.Gray)
	if !isGray {
		t.Fatalf("prepared image is %T, want grey", img)
	}
	if a := skewAngle(g); a != 0 {
		t.Errorf("prepared page still skewed by %.2f°", a)
	}
	if h, ok := charHeight(g); !ok || h < targetCharHeight-2 || h > targetCharHeight+3 {
		t.Errorf("prepared print is %.0f pixels high (%v), want about %d", h, ok, targetCharHeight)
	}
	// Paper at the dim bottom is as white as at the top.
	if top, bottom := g.GrayAt(g.Rect.Dx()/2, 20).Y, g.GrayAt(g.Rect.Dx()/2, g.Rect.Dy()-20).Y; top < 240 || bottom < 240 {
		t.Errorf("paper brightness top %d, bottom %d; want both ≥ 240", top, bottom)
	}
	// Within a pixel budget the page is enlarged less, not refused.
	budget := int64(900 * 1200 * 3)
	out, ok = prepare(in, "png", budget, imagePrep)
	if c, err := png.DecodeConfig(bytes.NewReader(out)); !ok || err != nil || int64(c.Width*c.Height) > budget || c.Width < 1000 {
		t.Errorf("prepared within %d pixels: %dx%d (%v, %v)", budget, c.Width, c.Height, ok, err)
	}
	// A PDF page rendered at 300 dpi keeps its size.
	out, ok = prepare(in, "png", DefaultMaxPixels, pdfPrep)
	if c, err := png.DecodeConfig(bytes.NewReader(out)); !ok || err != nil || c.Width > 1000 || c.Height > 1300 {
		t.Errorf("PDF page prepared to %dx%d (%v, %v), want its own size turned", c.Width, c.Height, ok, err)
	}
}

func TestUpscale(t *testing.T) {
	small := textPage(600, 800, 0, flat, 0.1) // print 9 high
	if s := upscale(small, DefaultMaxPixels); s < 2.1 || s > 2.3 {
		t.Errorf("print 9 high: factor %.2f, want 20/9", s)
	}
	if s := upscale(double(double(small)), DefaultMaxPixels); s != 1 {
		t.Errorf("print 36 high: factor %.2f, want 1", s)
	}
	// Large print on a small image is not enlarged; an image without
	// print is doubled when small, as before.
	if s := upscale(image.NewGray(image.Rect(0, 0, 300, 400)), DefaultMaxPixels); s != 2 {
		t.Errorf("blank small image: factor %.2f, want 2", s)
	}
	if s := upscale(image.NewGray(image.Rect(0, 0, 3000, 4000)), DefaultMaxPixels); s != 1 {
		t.Errorf("blank large image: factor %.2f, want 1", s)
	}
	if s := upscale(small, 600*800*2); s < 1.4 || s > 1.42 {
		t.Errorf("within twice the pixels: factor %.2f, want √2", s)
	}
}

func TestScaleGray(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 4, 2))
	copy(g.Pix, []uint8{0, 0, 200, 200, 0, 0, 200, 200})
	s := scaleGray(g, 2.5)
	if s.Rect.Dx() != 10 || s.Rect.Dy() != 5 {
		t.Fatalf("4×2 scaled by 2.5 is %v", s.Rect)
	}
	if a, b, mid := s.GrayAt(0, 0).Y, s.GrayAt(9, 4).Y, s.GrayAt(5, 2).Y; a != 0 || b != 200 || mid == 0 || mid == 200 {
		t.Errorf("scaled edge pixels %d, %d and middle %d; want 0, 200 and a blend", a, b, mid)
	}
}

// FuzzPrepare: whatever the bytes, prepare either declines or returns a
// grey PNG within the pixel limit.
func FuzzPrepare(f *testing.F) {
	f.Add(encodePNG(f, textPage(120, 160, 2, flat, 0.2)), int64(1<<20))
	f.Add(encodePNG(f, image.NewGray(image.Rect(0, 0, 1, 1))), int64(100))
	f.Add([]byte("\x89PNG\r\n\x1a\n"), int64(1000))
	f.Fuzz(func(t *testing.T, data []byte, maxPixels int64) {
		c, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil || int64(c.Width)*int64(c.Height) > 1<<16 {
			return // the engine checks the header first
		}
		maxPixels = max(int64(c.Width)*int64(c.Height), min(maxPixels, 1<<18))
		out, ok := prepare(data, "png", maxPixels, imagePrep)
		if !ok {
			return
		}
		oc, err := png.DecodeConfig(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("prepared image does not decode: %v", err)
		}
		if px := int64(oc.Width) * int64(oc.Height); px > maxPixels+int64(oc.Width+oc.Height) {
			t.Fatalf("prepared image %dx%d over the limit %d", oc.Width, oc.Height, maxPixels)
		}
	})
}

func TestMedian9(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		var v [9]uint8
		for i := range v {
			v[i] = uint8(rng.IntN(8) * 30)
		}
		s := v
		slices.Sort(s[:])
		if got := median9(&v); got != s[4] {
			t.Fatalf("median9(%v) = %d, want %d", s, got, s[4])
		}
	}
}

func TestDespeckle(t *testing.T) {
	clean := textPage(600, 800, 0, flat, 0.1)
	if speckled(clean) {
		t.Error("a clean page is taken for speckled")
	}
	noisy := image.NewGray(clean.Rect)
	copy(noisy.Pix, clean.Pix)
	rng := rand.New(rand.NewPCG(7, 8))
	for range 600 * 800 / 20 {
		noisy.Pix[rng.IntN(len(noisy.Pix))] = 0
	}
	if !speckled(noisy) {
		t.Fatal("a page strewn with dots is not taken for speckled")
	}
	m := median3(noisy)
	// The dots are gone, the print stays.
	var dots, dotsLeft, ink, inkKept int
	for i := range m.Pix {
		switch {
		case clean.Pix[i] < 128:
			ink++
			if m.Pix[i] < 128 {
				inkKept++
			}
		case noisy.Pix[i] < 128:
			dots++
			if m.Pix[i] < 128 {
				dotsLeft++
			}
		}
	}
	if dotsLeft > dots/20 || inkKept < ink*85/100 {
		t.Errorf("after the median %d of %d dots left, %d of %d print pixels kept", dotsLeft, dots, inkKept, ink)
	}
	if speckled(m) {
		t.Error("still speckled after the median")
	}
}

// TestPreparedPagesReachTesseract: a scanned PDF page strewn with dots reaches
// tesseract without them, and a photo is handed over evenly lit and
// enlarged to the print size tesseract reads best.
func TestPreparedPagesReachTesseract(t *testing.T) {
	if _, err := exec.LookPath("gs"); err != nil {
		t.Skip("ghostscript is not installed (bash .ci/deps.d/30-ghostscript.sh installs it)")
	}
	seen := filepath.Join(t.TempDir(), "seen.png")
	cmd, _ := fakeTesseract(t, `cp "$1" '`+seen+`'
printf 'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n5\t1\t1\t1\t1\t1\t10\t10\t50\t20\t95\tWord\n'`)
	handed := func() *image.Gray {
		t.Helper()
		b, err := os.ReadFile(seen)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return grayOf(img, img.Bounds())
	}

	page := textPage(600, 800, 0, flat, 0.1)
	rng := rand.New(rand.NewPCG(9, 10))
	for range 600 * 800 / 20 {
		page.Pix[rng.IntN(len(page.Pix))] = 0
	}
	if !speckled(page) {
		t.Fatal("test page is not speckled")
	}
	e := &Engine{Cmd: cmd}
	if _, _, err := e.PDF(context.Background(), imagePDF(t, encodePNG(t, page), 150)); err != nil {
		t.Fatal(err)
	}
	if g := handed(); speckled(g) || g.Rect.Dx() < 1150 || g.Rect.Dx() > 1250 {
		t.Errorf("tesseract was handed a page %v, speckled %v; want the 300 dpi rendering without dots", g.Rect, speckled(g))
	}

	light := func(x, y int) float64 { return 230 - 120*float64(y)/800 }
	if _, err := e.Image(context.Background(), encodePNG(t, textPage(600, 800, 0, light, 0.35))); err != nil {
		t.Fatal(err)
	}
	g := handed()
	if h, ok := charHeight(g); !ok || h < targetCharHeight-2 || h > targetCharHeight+3 {
		t.Errorf("tesseract was handed print %.0f pixels high (%v), want about %d", h, ok, targetCharHeight)
	}
	if bottom := g.GrayAt(5, g.Rect.Dy()-5).Y; bottom < 215 { // 110 in the photo
		t.Errorf("the dim end of the photo reached tesseract at %d, want white", bottom)
	}
}

// BenchmarkPrepare: the Go steps before tesseract on an A4 page at 300
// dpi (2480×3508, print 9 pixels high, light falling off, 2° of skew).
func BenchmarkPrepare(b *testing.B) {
	light := func(x, y int) float64 { return 235 - 100*float64(y)/3508 }
	in := encodePNG(b, textPage(2480, 3508, 2, light, 0.3))
	for _, bc := range []struct {
		name  string
		steps prepSteps
	}{
		{"decode only", prepSteps{}},
		{"pdf", pdfPrep},
		{"image", imagePrep},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				prepare(in, "png", DefaultMaxPixels, bc.steps)
			}
		})
	}
}
