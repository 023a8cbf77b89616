package ocr

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg" // decoders for turn
	"os"
	"strconv"
	"strings"
	"unicode"

	"nexusos/internal/lazyregexp"
)

// Orientation. A page scanned or photographed sideways or upside down
// reads as a scatter of broken low-confidence words (a till receipt laid
// across a flatbed: 9 confident words instead of 71). When a single
// page's reading has fewer than poorWords confident words, tesseract's
// orientation and script detection (--psm 0, osd.traineddata) is asked
// how the page is turned; when it is sure enough (minOSDConfidence) the
// page is turned upright and read again, and the reading with more
// confident words is kept. Upright pages with enough text never pay for
// the second look.
//
// A page still read poorly is read once more as a single block of text
// (--psm 6); that reading is kept when it has at least twice the confident
// words and blockGain more: faint till receipts, whose column the page
// segmentation scatters, read from 0–12 to 34–71 words that way.
const (
	poorWords        = 30
	blockGain        = 10
	minOSDConfidence = 1.5
	// goodConf and goodLetters make a confident word: tesseract's
	// confidence at least goodConf and at least goodLetters letters.
	goodConf    = 70
	goodLetters = 3
)

// confidentWords counts the words of tesseract's TSV output that are
// confident (see goodConf): the measure of a reading's quality.
func confidentWords(tsv []byte) int {
	n := 0
	eachConfident(tsv, func(word string) {
		letters := 0
		for _, r := range word {
			if unicode.IsLetter(r) {
				letters++
			}
		}
		if letters >= goodLetters {
			n++
		}
	})
	return n
}

// eachConfident calls fn with every word of tesseract's TSV output read
// with a confidence of at least goodConf.
func eachConfident(tsv []byte, fn func(word string)) {
	for raw := range bytes.SplitSeq(tsv, []byte{'\n'}) {
		f := strings.Split(strings.TrimRight(string(raw), "\r"), "\t")
		if len(f) != 12 || f[0] != "5" {
			continue
		}
		if conf, err := strconv.ParseFloat(f[10], 64); err == nil && conf >= goodConf {
			fn(f[11])
		}
	}
}

var (
	reOSDRotate = lazyregexp.New(`(?m)^Rotate:\s*(\d+)`)
	reOSDConf   = lazyregexp.New(`(?m)^Orientation confidence:\s*([\d.]+)`)
)

// rotation asks tesseract how far clockwise the page in file in must be
// turned to stand upright: 0, 90, 180 or 270; 0 also when it cannot tell
// (no osd.traineddata, too little text, low confidence).
func (e *Engine) rotation(ctx context.Context, in string) int {
	out, err := run(ctx, e.timeout(), e.cmd(), []string{in, "stdout", "--psm", "0"}, true)
	if err != nil {
		e.log().Debug("ocr: no orientation", "err", err)
		return 0
	}
	return parseOSD(out)
}

// parseOSD reads tesseract's --psm 0 report.
func parseOSD(out []byte) int {
	r, c := reOSDRotate.FindSubmatch(out), reOSDConf.FindSubmatch(out)
	if r == nil || c == nil {
		return 0
	}
	deg, err1 := strconv.Atoi(string(r[1]))
	conf, err2 := strconv.ParseFloat(string(c[1]), 64)
	if err1 != nil || err2 != nil || conf < minOSDConfidence {
		return 0
	}
	switch deg {
	case 90, 180, 270:
		return deg
	}
	return 0
}

// turn writes the image in file in turned clockwise by deg degrees as a
// grey PNG at out.
func turn(in, out string, deg int) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return err
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var g *image.Gray
	if deg == 180 {
		g = image.NewGray(image.Rect(0, 0, w, h))
	} else {
		g = image.NewGray(image.Rect(0, 0, h, w))
	}
	for y := range h {
		for x := range w {
			var tx, ty int
			switch deg {
			case 90: // clockwise: the left column becomes the top row
				tx, ty = h-1-y, x
			case 180:
				tx, ty = w-1-x, h-1-y
			default: // 270
				tx, ty = y, w-1-x
			}
			g.Set(tx, ty, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	enc, err := tempPNG(g)
	if err != nil {
		return err
	}
	return os.WriteFile(out, enc, 0o600)
}
