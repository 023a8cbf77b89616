package extract

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"sort"
	"strings"
	"unicode"

	"nexusos/memex/layout"
)

// The content-stream interpreter follows the text model of ISO 32000-1
// §9.4: it keeps the graphics state (CTM and text state parameters, saved
// by q and restored by Q), the text matrix Tm and text line matrix Tlm
// between BT and ET, and advances Tm by each glyph's width. Every shown
// glyph is thus placed in user space, mapped to a top-down page space by
// the page's crop box and /Rotate, and glued with its neighbours into
// words; layout.FromWords then builds lines and cells from them.

// pdfCellGap is the gap, in line heights, that separates two cells of a
// line (layout.FromWords): wider than any word space, narrower than the
// gutter between table columns or between a label and a distant value.
const pdfCellGap = 1.0

// pdfMaxWords bounds the words kept from one page.
const pdfMaxWords = 1 << 20

// pdfMaxOps bounds the content operators run for one document (about five
// seconds of work), since form XObjects drawing each other over and over
// multiply the work of a small file. A variable for tests.
var pdfMaxOps = 50_000_000

// pdfMaxGlyphs bounds the glyphs placed for one document (about two
// seconds of work): a glyph drawn millions of times over itself, or off
// the page, adds no text, so the text bound does not stop it, and one
// operator can show a megabyte of them.
const pdfMaxGlyphs = 10_000_000

// pdfMatrix is an affine transform [a b c d e f]: a point (x, y) maps to
// (a·x + c·y + e, b·x + d·y + f), as in PDF's "a b c d e f cm".
type pdfMatrix [6]float64

var pdfIdentity = pdfMatrix{1, 0, 0, 1, 0, 0}

// mul returns m×n: m applied first, then n.
func (m pdfMatrix) mul(n pdfMatrix) pdfMatrix {
	return pdfMatrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m pdfMatrix) apply(x, y float64) (float64, float64) {
	return m[0]*x + m[2]*y + m[4], m[1]*x + m[3]*y + m[5]
}

func (m pdfMatrix) finite() bool {
	for _, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e9 {
			return false
		}
	}
	return true
}

// pdfGState is the part of the graphics state that text placement needs.
// The text state parameters belong to the graphics state (§9.3.1), so q/Q
// save and restore them too.
type pdfGState struct {
	ctm    pdfMatrix
	font   *pdfFont
	size   float64 // Tf
	tc, tw float64 // Tc, Tw: character and word spacing
	th     float64 // Tz / 100: horizontal scaling
	tl     float64 // TL: leading
	rise   float64 // Ts
	render int     // Tr
}

// pdfWord is a run of glyphs in one of four reading directions, or
// slanted (dirSlanted: a stamp or watermark set at an angle); X runs along
// the baseline and Y downwards in that direction's frame.
type pdfWord struct {
	text      strings.Builder
	dir       int
	x0, x1, y float64 // x1 is the end of the last non-space glyph
	h         float64 // font size in page space
	invisible bool
	space     bool    // a space glyph follows the text
	lastX     float64 // start of the last glyph, to drop overprinted ones
	lastText  string
}

type pdfPage struct {
	r      *pdfReader
	page   pdfMatrix // user space → top-down page space
	w, h   float64   // page size as displayed
	gs     pdfGState
	saved  []pdfGState
	tm     pdfMatrix
	tlm    pdfMatrix
	cur    *pdfWord
	words  [5][]layout.Word // by direction, visible text
	hidden [5][]layout.Word // text render mode 3 or 7 (invisible)
	nwords int
	nbytes *int
	// cover is the largest share of the page one image XObject covers,
	// and img that image.
	cover float64
	img   *pdfStream
}

// layoutPages returns the lines of all pages, page by page.
func (r *pdfReader) layoutPages(pages []pdfDict) []layout.Line {
	var lines []layout.Line
	nbytes := 0
	for i, p := range pages {
		if nbytes > MaxTextBytes {
			break
		}
		pg := &pdfPage{r: r, nbytes: &nbytes}
		pg.page, pg.w, pg.h = r.pageMatrix(p)
		pg.gs = pdfGState{ctm: pdfIdentity, th: 1}
		pg.run(r.contents(p), r.dict(p["Resources"]), 0)
		pg.flush()
		lines = append(lines, pg.lines(i)...)
		r.covers = append(r.covers, pg.cover)
		r.images = append(r.images, pg.img)
	}
	return lines
}

// pageMatrix maps user space to a top-down space whose origin is the top
// left corner of the page's crop box (else media box) as displayed, that
// is after turning the page by /Rotate degrees clockwise; it also returns
// the displayed width and height.
func (r *pdfReader) pageMatrix(p pdfDict) (m pdfMatrix, w, h float64) {
	box := [4]float64{0, 0, 612, 792}
	for _, k := range []string{"CropBox", "MediaBox"} {
		arr, _ := r.resolve(p[k]).([]any)
		if len(arr) != 4 {
			continue
		}
		var b [4]float64
		ok := true
		for i, e := range arr {
			v, isNum := r.resolve(e).(float64)
			ok = ok && isNum && !math.IsNaN(v) && !math.IsInf(v, 0)
			b[i] = v
		}
		if ok && b[0] != b[2] && b[1] != b[3] {
			box = [4]float64{min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3])}
			break
		}
	}
	llx, lly, urx, ury := box[0], box[1], box[2], box[3]
	w, h = urx-llx, ury-lly
	rot, _ := r.resolve(p["Rotate"]).(float64)
	switch ((int(rot)%360 + 360) % 360) / 90 {
	case 1: // x' = y − lly, y' = x − llx
		return pdfMatrix{0, 1, 1, 0, -lly, -llx}, h, w
	case 2: // x' = urx − x, y' = y − lly
		return pdfMatrix{-1, 0, 0, 1, urx, -lly}, w, h
	case 3: // x' = ury − y, y' = urx − x
		return pdfMatrix{0, -1, -1, 0, ury, urx}, h, w
	}
	return pdfMatrix{1, 0, 0, -1, -llx, ury}, w, h // x' = x − llx, y' = ury − y
}

// run interprets one content stream (a page's or a form XObject's).
func (pg *pdfPage) run(content []byte, res pdfDict, depth int) {
	if depth > pdfMaxFormNested {
		return
	}
	r := pg.r
	fonts := r.dict(res["Font"])
	xobjs := r.dict(res["XObject"])
	var stack []any
	num := func(k int) float64 { // k-th operand from the end, 1-based
		if k > len(stack) {
			return 0
		}
		v, _ := stack[len(stack)-k].(float64)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0
		}
		return v
	}
	matrix := func() pdfMatrix {
		return pdfMatrix{num(6), num(5), num(4), num(3), num(2), num(1)}
	}
	baseDepth := len(pg.saved)
	p := &pdfParser{b: content}
	for *pg.nbytes <= MaxTextBytes && pg.nwords < pdfMaxWords && r.ops < pdfMaxOps && r.glyphs < pdfMaxGlyphs {
		p.skipSpace()
		if p.pos >= len(p.b) {
			break
		}
		c := p.b[p.pos]
		if !isRegular(c) || c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' {
			obj, err := p.object(0)
			if err != nil {
				p.pos++
				stack = stack[:0]
				continue
			}
			if len(stack) < 64 {
				stack = append(stack, obj)
			}
			continue
		}
		op := p.keyword()
		if op == "" {
			p.pos++
			continue
		}
		r.ops++
		switch op {
		// Graphics state (§8.4.4).
		case "q":
			if len(pg.saved) < 256 {
				pg.saved = append(pg.saved, pg.gs)
			}
		case "Q":
			if len(pg.saved) > baseDepth { // a form cannot pop its caller's state
				pg.gs = pg.saved[len(pg.saved)-1]
				pg.saved = pg.saved[:len(pg.saved)-1]
			}
		case "cm":
			if len(stack) >= 6 {
				if m := matrix().mul(pg.gs.ctm); m.finite() {
					pg.gs.ctm = m
				}
			}
		// Text objects and positioning (§9.4).
		case "BT":
			pg.tm, pg.tlm = pdfIdentity, pdfIdentity
		case "ET":
		case "Tm":
			if len(stack) >= 6 {
				if m := matrix(); m.finite() {
					pg.tm, pg.tlm = m, m
				}
			}
		case "Td":
			pg.td(num(2), num(1))
		case "TD":
			pg.gs.tl = -num(1)
			pg.td(num(2), num(1))
		case "T*":
			pg.td(0, -pg.gs.tl)
		// Text state (§9.3).
		case "Tc":
			pg.gs.tc = num(1)
		case "Tw":
			pg.gs.tw = num(1)
		case "Tz":
			pg.gs.th = num(1) / 100
		case "TL":
			pg.gs.tl = num(1)
		case "Ts":
			pg.gs.rise = num(1)
		case "Tr":
			pg.gs.render = int(num(1))
		case "Tf":
			pg.gs.size = num(1)
			if len(stack) >= 2 {
				if n, ok := stack[len(stack)-2].(pdfName); ok && fonts != nil {
					pg.gs.font = r.font(fonts[string(n)])
				}
			}
		// Text showing (§9.4.3).
		case "Tj", "'", "\"":
			if op == "\"" {
				pg.gs.tw, pg.gs.tc = num(3), num(2)
			}
			if op != "Tj" {
				pg.td(0, -pg.gs.tl)
			}
			if len(stack) > 0 {
				if s, ok := stack[len(stack)-1].(string); ok {
					pg.show(s)
				}
			}
		case "TJ":
			if len(stack) > 0 {
				arr, _ := stack[len(stack)-1].([]any)
				for _, e := range arr {
					if r.glyphs >= pdfMaxGlyphs {
						break
					}
					r.glyphs++
					switch v := e.(type) {
					case string:
						pg.show(v)
					case float64:
						// A number moves the pen back by n/1000 of the
						// font size, horizontally scaled.
						if !math.IsNaN(v) && !math.IsInf(v, 0) {
							pg.advance(-v / 1000 * pg.gs.size * pg.gs.th)
						}
					}
				}
			}
		// External objects (§8.8): a form XObject draws its content
		// stream under /Matrix × CTM, within q/Q.
		case "Do":
			if len(stack) > 0 && xobjs != nil {
				if n, ok := stack[len(stack)-1].(pdfName); ok {
					pg.image(xobjs[string(n)])
					pg.form(xobjs[string(n)], res, depth)
				}
			}
		case "BI":
			// Inline image (§8.9.7): dictionary, ID, one white-space
			// byte, data, EI. The data is binary: look for an EI that
			// stands alone.
			i := bytes.Index(p.b[p.pos:], []byte("ID"))
			if i < 0 {
				p.pos = len(p.b)
				break
			}
			p.pos += i + 2
			for {
				j := bytes.Index(p.b[p.pos:], []byte("EI"))
				if j < 0 {
					p.pos = len(p.b)
					break
				}
				at := p.pos + j
				p.pos = at + 2
				if at > 0 && isSpace(p.b[at-1]) && (p.pos >= len(p.b) || !isRegular(p.b[p.pos])) {
					break
				}
			}
		}
		stack = stack[:0]
	}
	if len(pg.saved) > baseDepth { // unbalanced q in a form
		pg.gs = pg.saved[baseDepth]
		pg.saved = pg.saved[:baseDepth]
	}
}

// image records how much of the page an image XObject covers: it fills
// the unit square under the CTM.
func (pg *pdfPage) image(o any) {
	st, ok := pg.r.resolve(o).(*pdfStream)
	if !ok || st.dict["Subtype"] != pdfName("Image") || pg.w <= 0 || pg.h <= 0 {
		return
	}
	m := pg.gs.ctm.mul(pg.page)
	area := math.Abs(m[0]*m[3] - m[1]*m[2])
	if math.IsNaN(area) || math.IsInf(area, 0) {
		return
	}
	if c := min(1, area/(pg.w*pg.h)); c > pg.cover {
		pg.cover, pg.img = c, st
	}
}

// pdfMaxImagePixels bounds an image decoded for OCR.
const pdfMaxImagePixels = 40_000_000

// imageFile returns an image XObject as a file OCR reads: a JPEG
// (DCTDecode) as it is stored, 8-bit grey or RGB samples as a PNG; nil
// for other images.
func (r *pdfReader) imageFile(st *pdfStream) []byte {
	if data, filters, err := r.streamData(st, r.filters(st)); err == nil && len(filters) == 1 &&
		(r.resolve(filters[0]) == pdfName("DCTDecode") || r.resolve(filters[0]) == pdfName("DCT")) && bytes.HasPrefix(data, []byte{0xFF, 0xD8}) {
		return data
	}
	w, _ := r.resolve(st.dict["Width"]).(float64)
	h, _ := r.resolve(st.dict["Height"]).(float64)
	bpc, _ := r.resolve(st.dict["BitsPerComponent"]).(float64)
	n := 0
	switch cs := r.resolve(st.dict["ColorSpace"]).(type) {
	case pdfName:
		n = map[pdfName]int{"DeviceGray": 1, "G": 1, "DeviceRGB": 3, "RGB": 3}[cs]
	case []any: // [/ICCBased stream]: its /N components
		if len(cs) == 2 && r.resolve(cs[0]) == pdfName("ICCBased") {
			if icc, ok := r.resolve(cs[1]).(*pdfStream); ok {
				c, _ := r.resolve(icc.dict["N"]).(float64)
				if c == 1 || c == 3 {
					n = int(c)
				}
			}
		}
	}
	if n == 0 || bpc != 8 || w < 1 || h < 1 || w*h > pdfMaxImagePixels {
		return nil
	}
	px, err := r.decode(st)
	if err != nil || len(px) < int(w)*int(h)*n {
		return nil
	}
	W, H := int(w), int(h)
	var img image.Image
	if n == 1 {
		img = &image.Gray{Pix: px[:W*H], Stride: W, Rect: image.Rect(0, 0, W, H)}
	} else {
		rgba := image.NewRGBA(image.Rect(0, 0, W, H))
		for i := 0; i < W*H; i++ {
			copy(rgba.Pix[4*i:4*i+3], px[3*i:3*i+3])
			rgba.Pix[4*i+3] = 0xFF
		}
		img = rgba
	}
	var b bytes.Buffer
	if png.Encode(&b, img) != nil {
		return nil
	}
	return b.Bytes()
}

// form runs a form XObject's content under its /Matrix.
func (pg *pdfPage) form(o any, res pdfDict, depth int) {
	r := pg.r
	st, ok := r.resolve(o).(*pdfStream)
	if !ok || st.dict["Subtype"] != pdfName("Form") || depth >= pdfMaxFormNested {
		return
	}
	b, ok := r.forms[st]
	if !ok {
		var err error
		if b, err = r.decode(st); err != nil {
			b = nil
		}
		r.forms[st] = b
	}
	if len(b) == 0 {
		return
	}
	sub := r.dict(st.dict["Resources"])
	if sub == nil {
		sub = res
	}
	saved, tm, tlm := pg.gs, pg.tm, pg.tlm
	if arr, ok := r.resolve(st.dict["Matrix"]).([]any); ok && len(arr) == 6 {
		var m pdfMatrix
		for i, e := range arr {
			m[i], _ = r.resolve(e).(float64)
		}
		if m = m.mul(pg.gs.ctm); m.finite() {
			pg.gs.ctm = m
		}
	}
	pg.run(b, sub, depth+1)
	pg.gs, pg.tm, pg.tlm = saved, tm, tlm
}

// td starts a new text line offset by (tx, ty) from the current one.
func (pg *pdfPage) td(tx, ty float64) {
	pg.tlm = pdfMatrix{1, 0, 0, 1, tx, ty}.mul(pg.tlm)
	pg.tm = pg.tlm
}

// advance moves the pen tx text space units along the baseline.
func (pg *pdfPage) advance(tx float64) {
	pg.tm = pdfMatrix{1, 0, 0, 1, tx, 0}.mul(pg.tm)
}

// show places each glyph of a string (§9.4.4): the glyph's origin is
// (0, rise) in text space mapped by Tm × CTM, and the pen then moves by
// (w0 × size + Tc + Tw) × Tz, with Tw only for the single-byte code 32.
func (pg *pdfPage) show(s string) {
	if room := pdfMaxGlyphs - pg.r.glyphs; len(s) > room {
		s = s[:max(room, 0)] // a byte per glyph at least
	}
	pg.r.glyphs += len(s)
	gs := &pg.gs
	inv := gs.render == 3 || gs.render == 7
	gs.font.glyphs(s, func(code, n int, text string) {
		w := gs.font.width(code, n) * gs.size
		m := pdfMatrix{1, 0, 0, 1, 0, gs.rise}.mul(pg.tm).mul(gs.ctm).mul(pg.page)
		pg.glyph(m, w*gs.th, text, inv)
		adv := w + gs.tc
		if n == 1 && code == 32 {
			adv += gs.tw
		}
		pg.advance(adv * gs.th)
	})
}

// glyph adds one glyph of width w (text space, along the baseline) whose
// origin and axes are given by m (text space → page space).
func (pg *pdfPage) glyph(m pdfMatrix, w float64, text string, inv bool) {
	if !m.finite() {
		return
	}
	x0, y0 := m.apply(0, 0)
	if x0 < -1 || y0 < -1 || x0 > pg.w+1 || y0 > pg.h+1 {
		return // outside the page: not displayed
	}
	// The font's vertical extent in page space: the size is carried by Tm
	// and CTM as well as by Tf (a size-1 font scaled by Tm is common).
	ux, uy := m[2]*pg.gs.size, m[3]*pg.gs.size
	h := math.Hypot(ux, uy)
	dx, dy := m[0], m[1] // baseline direction
	if h < 0.01 || math.Hypot(dx, dy) < 1e-9 {
		return
	}
	dir := 0
	switch {
	case slanted(dx, dy):
		dir = dirSlanted
	case math.Abs(dx) >= math.Abs(dy) && dx < 0:
		dir = 2
	case math.Abs(dy) > math.Abs(dx) && dy > 0:
		dir = 1 // reads downwards: page turned clockwise
	case math.Abs(dy) > math.Abs(dx):
		dir = 3 // reads upwards
	}
	x1, y1 := m.apply(w, 0)
	fx0, fy := frame(dir, x0, y0)
	fx1, _ := frame(dir, x1, y1)
	if dir == dirSlanted {
		// The frame of the baseline itself, so a slanted stamp's letters
		// line up as one word.
		l := math.Hypot(dx, dy)
		c, sn := dx/l, dy/l
		fx0, fy = x0*c+y0*sn, -x0*sn+y0*c
		fx1 = x1*c + y1*sn
	}
	if fx1 < fx0 {
		fx1 = fx0
	}
	t := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if unicode.IsControl(r) || r == 0xFFFD {
			return -1
		}
		return r
	}, text)
	cur := pg.cur
	if strings.TrimSpace(t) == "" {
		if cur != nil && t != "" {
			cur.space = true
		}
		return
	}
	if cur != nil && cur.dir == dir && cur.invisible == inv &&
		math.Abs(fy-cur.y) < 0.2*max(h, cur.h) && math.Abs(h-cur.h) < 0.3*max(h, cur.h) {
		gap := fx0 - cur.x1
		hh := max(h, cur.h)
		switch {
		case t == cur.lastText && math.Abs(fx0-cur.lastX) < 0.15*hh:
			return // the same glyph drawn again over itself (fake bold)
		case gap > -0.35*hh && gap < 0.12*hh && !cur.space:
			cur.text.WriteString(t)
		case gap > -0.35*hh && gap < pdfCellGap*hh:
			cur.text.WriteByte(' ')
			cur.text.WriteString(strings.TrimLeft(t, " "))
		default:
			cur = nil
		}
		if cur != nil {
			cur.x1 = max(cur.x1, fx1)
			cur.space = strings.HasSuffix(t, " ")
			cur.lastX, cur.lastText = fx0, t
			*pg.nbytes += len(t)
			return
		}
	}
	pg.flush()
	cur = &pdfWord{dir: dir, x0: fx0, x1: fx1, y: fy, h: h, invisible: inv, lastX: fx0, lastText: t}
	cur.text.WriteString(strings.TrimLeft(t, " "))
	cur.space = strings.HasSuffix(t, " ")
	*pg.nbytes += len(t)
	pg.cur = cur
}

// dirSlanted is the reading direction of text set at an angle more than
// slantDegrees from the page's axes: a "PAID" stamp, a "COPY" watermark.
// Its lines follow all the others.
const (
	dirSlanted   = 4
	slantDegrees = 10
)

// slanted reports a baseline direction more than slantDegrees from both
// axes.
func slanted(dx, dy float64) bool {
	a := math.Abs(math.Atan2(dy, dx)) * 180 / math.Pi // 0…180
	a = math.Mod(a, 90)
	return a > slantDegrees && a < 90-slantDegrees
}

// frame turns page coordinates into the frame of a reading direction:
// text of that direction runs towards +x, lines follow towards +y.
func frame(dir int, x, y float64) (float64, float64) {
	switch dir {
	case 1:
		return y, -x
	case 2:
		return -x, -y
	case 3:
		return -y, x
	}
	return x, y
}

// flush ends the word being built.
func (pg *pdfPage) flush() {
	w := pg.cur
	pg.cur = nil
	if w == nil {
		return
	}
	t := strings.TrimSpace(w.text.String())
	if t == "" {
		return
	}
	// A word box reaches from ascender to descender around the baseline.
	lw := layout.Word{Text: t, X0: w.x0, X1: w.x1, Y0: w.y - 0.75*w.h, Y1: w.y + 0.25*w.h}
	if w.invisible {
		pg.hidden[w.dir] = append(pg.hidden[w.dir], lw)
	} else {
		pg.words[w.dir] = append(pg.words[w.dir], lw)
	}
	pg.nwords++
}

// lines builds a page's lines: upright text first, then the text of each
// other reading direction below it. Invisible text (render mode 3, the
// text layer of a scanned page) is used only when the page shows none.
func (pg *pdfPage) lines(page int) []layout.Line {
	words := pg.words
	n := 0
	for _, ws := range words {
		n += len(ws)
	}
	if n == 0 {
		words = pg.hidden
	}
	var out []layout.Line
	bottom := 0.0
	for dir, ws := range words {
		ls := layout.FromWords(page, mergeWords(dedupWords(ws)), pdfCellGap)
		if dir > 0 && len(ls) > 0 {
			// Lines of turned text keep their order and spacing but
			// follow the page's upright lines.
			shift := bottom + ls[0].H - ls[0].Y
			for i := range ls {
				ls[i].Y += shift
			}
		}
		for _, l := range ls {
			bottom = max(bottom, l.Y+l.H)
		}
		out = append(out, ls...)
	}
	return out
}

// mergeWords joins words that touch on one baseline although they were
// drawn apart in the content stream (a table cell's text written after
// its neighbour's label, a glyph placed by itself): FromWords would glue
// them without a space, or with one only past a fifth of the line height,
// while the glyph-level rule of glyph applies here too.
func mergeWords(ws []layout.Word) []layout.Word {
	if len(ws) < 2 {
		return ws
	}
	sort.SliceStable(ws, func(i, j int) bool { return ws[i].Y1 < ws[j].Y1 })
	var out []layout.Word
	for start := 0; start < len(ws); {
		// A run of words whose baselines lie within a fifth of the
		// first one's height.
		h0 := ws[start].Y1 - ws[start].Y0
		end := start + 1
		for end < len(ws) && ws[end].Y1-ws[start].Y1 < 0.2*h0 {
			end++
		}
		run := ws[start:end]
		sort.SliceStable(run, func(i, j int) bool { return run[i].X0 < run[j].X0 })
		n := len(out)
		for _, w := range run {
			if len(out) > n {
				p := &out[len(out)-1]
				hp, hw := p.Y1-p.Y0, w.Y1-w.Y0
				hh := max(hp, hw)
				gap := w.X0 - p.X1
				if math.Abs(hp-hw) < 0.3*hh && math.Abs(p.Y1-w.Y1) < 0.2*hh && gap > -0.35*hh && gap <= 0.2*hh {
					if gap >= 0.12*hh {
						p.Text += " "
					}
					p.Text += w.Text
					p.X1 = max(p.X1, w.X1)
					continue
				}
			}
			out = append(out, w)
		}
		start = end
	}
	return out
}

// dedupWords drops words drawn twice at (nearly) the same place: some
// producers fake bold type by overprinting the text with a small offset.
func dedupWords(ws []layout.Word) []layout.Word {
	seen := map[string][]int{}
	out := ws[:0:0]
	for _, w := range ws {
		h := w.Y1 - w.Y0
		dup := false
		prev := seen[w.Text]
		for k := len(prev) - 1; k >= 0 && k >= len(prev)-16; k-- {
			o := out[prev[k]]
			if math.Abs(o.X0-w.X0) < 0.3*h && math.Abs(o.Y0-w.Y0) < 0.3*h {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		seen[w.Text] = append(prev, len(out))
		out = append(out, w)
	}
	return out
}

// Widths of the printable ASCII codes 32–126 of the standard 14 fonts
// (ISO 32000-1 §9.6.2.2), which PDF writers may use without /Widths; from
// the metric-compatible URW base 35 AFM files. Arial shares Helvetica's
// metrics.
var (
	stdHelvetica     = []float64{278, 278, 355, 556, 556, 889, 667, 222, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 222, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584}
	stdHelveticaBold = []float64{278, 333, 474, 556, 556, 889, 722, 278, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 278, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584}
	stdTimes         = []float64{250, 333, 408, 500, 500, 833, 778, 333, 333, 333, 500, 564, 250, 333, 250, 278, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, 921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722, 556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500, 333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541}
	stdTimesBold     = []float64{250, 333, 555, 500, 500, 1000, 833, 333, 333, 333, 500, 570, 250, 333, 250, 278, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500, 930, 722, 667, 722, 722, 667, 611, 778, 778, 389, 500, 778, 667, 944, 722, 778, 611, 778, 722, 556, 667, 722, 722, 1000, 722, 722, 667, 333, 278, 333, 581, 500, 333, 500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556, 278, 833, 556, 500, 556, 556, 444, 389, 333, 556, 500, 722, 500, 500, 444, 394, 220, 394, 520}
	stdTimesItalic   = []float64{250, 333, 420, 500, 500, 833, 778, 333, 333, 333, 500, 675, 250, 333, 250, 278, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 675, 675, 675, 500, 920, 611, 611, 667, 722, 611, 611, 722, 722, 333, 444, 667, 556, 833, 667, 722, 611, 722, 611, 500, 556, 722, 611, 833, 611, 556, 556, 389, 278, 389, 422, 500, 333, 500, 500, 444, 500, 444, 278, 500, 500, 278, 278, 444, 278, 722, 500, 500, 500, 500, 389, 389, 278, 500, 444, 667, 444, 444, 389, 400, 275, 400, 541}
	stdCourier       = func() []float64 {
		w := make([]float64, 95)
		for i := range w {
			w[i] = 600
		}
		return w
	}()
)

// standardWidths returns the widths of codes 32–126 for a base font name
// that is (or imitates) one of the standard 14, nil for others.
func standardWidths(base string) []float64 {
	if i := strings.IndexByte(base, '+'); i == 6 { // subset tag "ABCDEF+"
		base = base[i+1:]
	}
	b := strings.ToLower(base)
	bold := strings.Contains(b, "bold") || strings.Contains(b, "black") || strings.Contains(b, "heavy")
	switch {
	case strings.Contains(b, "courier") || strings.Contains(b, "mono"):
		return stdCourier
	case strings.Contains(b, "times") || strings.Contains(b, "roman") || strings.Contains(b, "serif") && !strings.Contains(b, "sans"):
		if bold {
			return stdTimesBold
		}
		if strings.Contains(b, "italic") || strings.Contains(b, "oblique") {
			return stdTimesItalic
		}
		return stdTimes
	case strings.Contains(b, "helvetica") || strings.Contains(b, "arial") || strings.Contains(b, "sans"):
		if bold {
			return stdHelveticaBold
		}
		return stdHelvetica
	}
	return nil
}
