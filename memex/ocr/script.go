package ocr

import (
	"context"
	"slices"
	"unicode"

	"nexusos/memex/layout"
)

// Pages in other scripts. A first pass in a Latin language reads a
// Japanese or Chinese page as a few broken words, and stopwords cannot
// tell which language it is; tesseract's script detection (--psm 0)
// named Japanese on one of two Japanese invoices at the size we read
// them and Latin on the other. So a page that still reads poorly is read
// again in each installed language of scriptLangs, and that reading is
// kept when it holds at least minScriptChars confident Chinese or
// Japanese characters (a Latin page read by those models yields Latin
// words, not these), the one with the most of them winning. The cost is
// one more pass per poor page, two when the first (Japanese) finds some
// of those characters.
var scriptLangs = []string{"jpn", "chi_sim"}

const minScriptChars = 15

// readScript reads a poor page in each installed language of scriptLangs;
// ok is false when none finds minScriptChars confident characters.
func (e *Engine) readScript(ctx context.Context, in string, firstPage, pages, dpi int) (lines []layout.Line, lang string, ok bool) {
	best := minScriptChars - 1
	for _, sl := range scriptLangs {
		if !slices.Contains(e.langs, sl) {
			continue
		}
		out, err := e.tesseractTSV(ctx, in, pages, dpi, sl, "3")
		if err != nil {
			e.log().Debug("ocr: script pass", "lang", sl, "err", err)
			continue
		}
		n := confidentCJK(out)
		e.log().Debug("ocr: script pass", "lang", sl, "confident characters", n)
		if n < minScriptChars/3 {
			// The Japanese model reads Chinese characters too: a page
			// where it finds next to none is in neither script.
			break
		}
		if n <= best {
			continue
		}
		l, err := ParseTSV(out, firstPage)
		if err != nil {
			continue
		}
		best, lines, lang, ok = n, l, sl, true
	}
	return lines, lang, ok
}

// confidentCJK counts the Chinese and Japanese characters in confident
// words (goodConf) of tesseract's TSV output.
func confidentCJK(tsv []byte) int {
	n := 0
	eachConfident(tsv, func(word string) {
		for _, r := range word {
			if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) {
				n++
			}
		}
	})
	return n
}
