package extract

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"

	"nexusos/internal/lazyregexp"
	"nexusos/memex/layout"
)

func init() { Register(pdfDoc, ".pdf") }

// PDF bounds: a hostile file cannot make the reader allocate without limit.
const (
	pdfMaxObjects    = 200_000
	pdfMaxStream     = 32 << 20 // inflated bytes of one stream
	pdfMaxTotal      = 256 << 20
	pdfMaxDepth      = 64
	pdfMaxPages      = 5000
	pdfMaxFormNested = 4
)

// The PDF reader is written for text extraction only (ISO 32000-1): it
// scans the file for "N G obj" headers instead of trusting the xref table
// (so damaged files still yield text), decrypts files whose user password
// is empty (pdfcrypt.go), expands object streams, walks the page tree from
// the catalog, and interprets content-stream text operators with each
// font's ToUnicode CMap or its simple encoding.

type pdfRef struct{ num, gen int }
type pdfName string
type pdfDict map[string]any
type pdfStream struct {
	dict pdfDict
	raw  []byte

	// untrimmed is the data up to "endstream" when the stream had no
	// usable direct /Length and raw had its end-of-line trimmed; once
	// every object is read, an indirect /Length picks raw out of it.
	untrimmed []byte

	// encrypted streams decrypt raw with crypt (usually the file's
	// /StmF) under the key of the object ref that holds them.
	encrypted bool
	crypt     pdfCryptMethod
	ref       pdfRef
}

type pdfReader struct {
	objs   map[int]any
	sec    *pdfSecurity // nil unless the file is encrypted
	budget int
	forms  map[*pdfStream][]byte // decoded form XObjects, reused across Do
	fonts  map[any]*pdfFont
	ops    int // content operators run so far (bounded by pdfMaxOps)
	glyphs int // glyphs and TJ adjustments placed so far (pdfMaxGlyphs)
	// covers is, per page laid out, the largest share of the page one
	// image covers, and images that image (layoutPages).
	covers []float64
	images []*pdfStream
}

var reObjHeader = lazyregexp.New(`(\d+)\s+(\d+)\s+obj\b`)

func pdfDoc(name string, data []byte) (*Doc, error) {
	if !bytes.HasPrefix(bytes.TrimLeft(data[:min(len(data), 1024)], "\x00\r\n\t "), []byte("%PDF")) && !bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")) {
		return nil, Skip("not a PDF file (no %%PDF header)")
	}
	r := &pdfReader{objs: map[int]any{}, budget: pdfMaxTotal, forms: map[*pdfStream][]byte{}, fonts: map[any]*pdfFont{}}
	if err := r.scan(data); err != nil {
		return nil, err
	}
	pages := r.pages()
	if len(pages) == 0 {
		return nil, Skip("PDF has no readable pages")
	}
	lines := r.layoutPages(pages)
	text := layout.Text(lines)
	if strings.TrimSpace(text) == "" {
		return nil, errNoTextLayer // FileWith reads it by OCR
	}
	d := &Doc{Format: "pdf", Text: text, Lines: lines}
	if imagePages(lines, r.covers) {
		// OCR reads each page's image at its own resolution rather than
		// the page rendered around it, when every one can be taken out.
		d.pageImages = func() [][]byte {
			var out [][]byte
			for _, st := range r.images {
				img := r.imageFile(st)
				if img == nil {
					return nil
				}
				out = append(out, img)
			}
			return out
		}
	}
	if info := r.info(); info != nil {
		if t, ok := info["Title"].(string); ok {
			d.Title = strings.TrimSpace(decodePDFTextString(t))
		}
	}
	return d, nil
}

// imagePages reports a PDF whose every page is mostly one image with
// little text on it (under 200 non-space characters): a scan with a
// stamped header, a photo printed from a browser. Its text layer is not
// the document.
func imagePages(lines []layout.Line, covers []float64) bool {
	if len(covers) == 0 || slices.ContainsFunc(covers, func(c float64) bool { return c < 0.4 }) {
		return false
	}
	chars := make([]int, len(covers))
	for _, l := range lines {
		if l.Page >= 0 && l.Page < len(chars) {
			for _, c := range l.Cells {
				chars[l.Page] += len(strings.Join(strings.Fields(c.Text), ""))
			}
		}
	}
	return !slices.ContainsFunc(chars, func(n int) bool { return n >= 200 })
}

// scan finds every indirect object in the file and in object streams,
// decrypting them when the file is encrypted. It returns a *SkipError
// when the file cannot be decrypted.
func (r *pdfReader) scan(data []byte) error {
	locs := reObjHeader.FindAllSubmatchIndex(data, -1)
	if len(locs) > pdfMaxObjects {
		return Skip("PDF has %d objects (limit %d)", len(locs), pdfMaxObjects)
	}
	gens := map[int]int{} // generation of each object read from the file
	var trailers []pdfTrailer
	for _, m := range locs {
		num, _ := strconv.Atoi(string(data[m[2]:m[3]]))
		gen, _ := strconv.Atoi(string(data[m[4]:m[5]]))
		p := &pdfParser{b: data, pos: m[1]}
		obj, err := p.object(0)
		if err != nil {
			continue
		}
		if d, ok := obj.(pdfDict); ok {
			p.skipSpace()
			if bytes.HasPrefix(data[p.pos:], []byte("stream")) {
				obj = p.stream(d, r)
			}
		}
		r.objs[num] = obj // later definitions (incremental updates) win
		gens[num] = gen
		if s, ok := obj.(*pdfStream); ok && s.dict["Type"] == pdfName("XRef") {
			trailers = append(trailers, pdfTrailer{m[0], s.dict})
		}
	}
	// Trailer dictionaries (classic xref files) hold /Root and /Info.
	for _, i := range allIndex(data, []byte("trailer")) {
		p := &pdfParser{b: data, pos: i + len("trailer")}
		if d, ok := mustObj(p.object(0)).(pdfDict); ok {
			r.objs[-1-len(r.objs)] = d
			trailers = append(trailers, pdfTrailer{i, d})
		}
	}
	r.fixLengths()
	if err := r.decryptAll(trailers, gens); err != nil {
		return err
	}
	for num, o := range r.objs {
		s, ok := o.(*pdfStream)
		if !ok || s.dict["Type"] != pdfName("ObjStm") {
			continue
		}
		body, err := r.decode(s)
		if err != nil {
			continue
		}
		n, _ := r.resolve(s.dict["N"]).(float64)
		first, _ := r.resolve(s.dict["First"]).(float64)
		if n < 0 || n > pdfMaxObjects || first < 0 || int(first) > len(body) {
			continue
		}
		hp := &pdfParser{b: body[:int(first)]}
		for i := 0; i < int(n); i++ {
			on, err1 := hp.object(0)
			off, err2 := hp.object(0)
			onf, ok1 := on.(float64)
			offf, ok2 := off.(float64)
			if err1 != nil || err2 != nil || !ok1 || !ok2 {
				break
			}
			at := int(first) + int(offf)
			if at < 0 || at >= len(body) {
				continue
			}
			op := &pdfParser{b: body, pos: at}
			if obj, err := op.object(0); err == nil {
				if _, exists := r.objs[int(onf)]; !exists {
					r.objs[int(onf)] = obj
				}
			}
		}
		_ = num
	}
	return nil
}

func mustObj(o any, _ error) any { return o }

// pdfTrailer is a trailer dictionary or cross-reference stream
// dictionary and where in the file it starts.
type pdfTrailer struct {
	pos  int
	dict pdfDict
}

// fixLengths cuts the data of streams whose /Length is an indirect
// object, now that all objects are read: encrypted data may end in the
// bytes that the endstream fallback trims as end-of-line.
func (r *pdfReader) fixLengths() {
	for _, o := range r.objs {
		s, ok := o.(*pdfStream)
		if !ok || s.untrimmed == nil {
			continue
		}
		if _, ok := s.dict["Length"].(pdfRef); !ok {
			continue
		}
		n, ok := r.resolve(s.dict["Length"]).(float64)
		if !ok || n < 0 || n > float64(len(s.untrimmed)) {
			continue
		}
		if rest := s.untrimmed[int(n):]; len(bytes.Trim(rest, "\r\n\t\f\x00 ")) == 0 {
			s.raw = s.untrimmed[:int(n)]
		}
	}
}

// decryptAll opens the file's encryption, if any, and decrypts the
// objects read from the file (gens gives their generations); objects in
// object streams are read later, out of the decrypted stream. The
// /Encrypt of the latest trailer counts (trailers is in any order), with
// the first string of the latest /ID (ISO 32000-1 §7.5.5, §14.4).
func (r *pdfReader) decryptAll(trailers []pdfTrailer, gens map[int]int) error {
	sort.Slice(trailers, func(i, j int) bool { return trailers[i].pos < trailers[j].pos })
	var encObj, idObj any
	for _, t := range trailers {
		if e, ok := t.dict["Encrypt"]; ok && e != nil {
			encObj = e
		}
		if id, ok := t.dict["ID"]; ok {
			idObj = id
		}
	}
	if encObj == nil {
		// A damaged file may have lost its trailer: any dictionary with
		// /Encrypt still says the file is encrypted.
		for _, o := range r.objs {
			if d := r.dict(o); d != nil && d["Encrypt"] != nil {
				return Skip("encrypted PDF: no readable trailer")
			}
		}
		return nil
	}
	enc, ok := r.resolve(encObj).(pdfDict)
	if !ok {
		return Skip("encrypted PDF: unreadable /Encrypt dictionary")
	}
	var id0 string
	if ids, ok := r.resolve(idObj).([]any); ok && len(ids) > 0 {
		id0, _ = r.resolve(ids[0]).(string)
	}
	sec, err := newPDFSecurity(enc, id0, r.resolve)
	if err != nil {
		return err
	}
	r.sec = sec
	encRef, _ := encObj.(pdfRef)
	for num, gen := range gens {
		o := r.objs[num]
		if s, ok := o.(*pdfStream); (ok && s.dict["Type"] == pdfName("XRef")) || (encRef != pdfRef{} && num == encRef.num) {
			continue
		}
		r.objs[num] = sec.decryptObject(o, pdfRef{num, gen})
	}
	return nil
}

func allIndex(b, sep []byte) []int {
	var out []int
	for i := 0; ; {
		j := bytes.Index(b[i:], sep)
		if j < 0 || len(out) > 1000 {
			return out
		}
		out = append(out, i+j)
		i += j + len(sep)
	}
}

func (r *pdfReader) resolve(o any) any {
	for i := 0; i < 16; i++ {
		ref, ok := o.(pdfRef)
		if !ok {
			return o
		}
		o = r.objs[ref.num]
	}
	return nil
}

func (r *pdfReader) dict(o any) pdfDict {
	switch v := r.resolve(o).(type) {
	case pdfDict:
		return v
	case *pdfStream:
		return v.dict
	}
	return nil
}

func (r *pdfReader) catalog() pdfDict {
	for _, o := range r.objs {
		d := r.dict(o)
		if d == nil {
			continue
		}
		if root := r.dict(d["Root"]); root != nil && root["Type"] == pdfName("Catalog") {
			return root
		}
	}
	for _, o := range r.objs {
		if d, ok := o.(pdfDict); ok && d["Type"] == pdfName("Catalog") {
			return d
		}
	}
	return nil
}

func (r *pdfReader) info() pdfDict {
	for _, o := range r.objs {
		if d := r.dict(o); d != nil {
			if info := r.dict(d["Info"]); info != nil {
				return info
			}
		}
	}
	return nil
}

// pages returns page dictionaries in document order: the page tree from
// the catalog, or every /Type /Page object by number when the tree is
// damaged.
func (r *pdfReader) pages() []pdfDict {
	var out []pdfDict
	seen := map[any]bool{}
	// Resources, MediaBox, CropBox and Rotate are inheritable page
	// attributes (ISO 32000-1 §7.7.3.4): a page without them takes the
	// nearest ancestor's.
	inheritable := []string{"Resources", "MediaBox", "CropBox", "Rotate"}
	var walk func(o any, depth int, inherited pdfDict)
	walk = func(o any, depth int, inherited pdfDict) {
		if depth > pdfMaxDepth || len(out) >= pdfMaxPages {
			return
		}
		if ref, ok := o.(pdfRef); ok {
			if seen[ref] {
				return
			}
			seen[ref] = true
		}
		d := r.dict(o)
		if d == nil {
			return
		}
		inh, copied := inherited, false
		for _, k := range inheritable {
			if v, ok := d[k]; ok && v != nil {
				if !copied {
					inh, copied = pdfDict{}, true
					maps.Copy(inh, inherited)
				}
				inh[k] = v
			}
		}
		switch d["Type"] {
		case pdfName("Pages"):
			kids, _ := r.resolve(d["Kids"]).([]any)
			for _, k := range kids {
				walk(k, depth+1, inh)
			}
		default:
			missing := false
			for k := range inh {
				if d[k] == nil {
					missing = true
				}
			}
			if missing {
				cp := pdfDict{}
				for k, v := range inh {
					cp[k] = v
				}
				for k, v := range d {
					if v != nil {
						cp[k] = v
					}
				}
				d = cp
			}
			out = append(out, d)
		}
	}
	if cat := r.catalog(); cat != nil {
		walk(cat["Pages"], 0, nil)
	}
	if len(out) == 0 {
		var nums []int
		for n, o := range r.objs {
			if d := r.dict(o); d != nil && d["Type"] == pdfName("Page") {
				nums = append(nums, n)
			}
		}
		sort.Ints(nums)
		for _, n := range nums {
			out = append(out, r.dict(r.objs[n]))
			if len(out) >= pdfMaxPages {
				break
			}
		}
	}
	return out
}

// filters returns a stream's /Filter as a list: one name, an array, or
// none.
func (r *pdfReader) filters(s *pdfStream) []any {
	switch f := r.resolve(s.dict["Filter"]).(type) {
	case pdfName:
		return []any{f}
	case []any:
		return f
	}
	return nil
}

// decode returns a stream's data after its filters.
func (r *pdfReader) decode(s *pdfStream) ([]byte, error) {
	data, filters, err := r.streamData(s, r.filters(s))
	if err != nil {
		return nil, err
	}
	for _, f := range filters {
		switch r.resolve(f) {
		case pdfName("FlateDecode"), pdfName("Fl"):
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, err
			}
			out, err := io.ReadAll(io.LimitReader(zr, int64(min(pdfMaxStream, r.budget))+1))
			if len(out) > pdfMaxStream || len(out) > r.budget {
				return nil, fmt.Errorf("stream inflates past limit")
			}
			if err != nil && len(out) == 0 {
				return nil, err
			}
			r.budget -= len(out)
			data = out
		case pdfName("ASCIIHexDecode"), pdfName("AHx"):
			data = decodeHexString(data)
		default:
			return nil, fmt.Errorf("unsupported filter %v", f)
		}
	}
	return data, nil
}

func (r *pdfReader) contents(page pdfDict) []byte {
	var out []byte
	var streams []any
	switch c := r.resolve(page["Contents"]).(type) {
	case *pdfStream:
		streams = []any{c}
	case []any:
		streams = c
	}
	for _, s := range streams {
		if st, ok := r.resolve(s).(*pdfStream); ok {
			if b, err := r.decode(st); err == nil {
				out = append(out, b...)
				out = append(out, '\n')
			}
		}
	}
	return out
}

// --- fonts ---

type pdfFont struct {
	cmap     map[string]string // code bytes → text
	codeLens []int             // code lengths present in the CMap, longest first
	twoByte  bool              // Type0 font without a usable CMap
	enc      *[256]rune        // simple font's /Encoding; nil means WinAnsi

	// Glyph widths in glyph space (1/1000 em for all but Type3 fonts),
	// scaled to text space by wscale: simple fonts index widths by
	// code-first, Type0 fonts look CIDs up in cidW; dw is the width of a
	// code with no entry.
	first  int
	widths []float64
	cidW   map[int]float64
	dw     float64
	wscale float64
}

// pdfFallbackWidth is the glyph width assumed when a font gives none and
// is not one of the standard 14: an average Latin glyph.
const pdfFallbackWidth = 500

func (r *pdfReader) font(o any) *pdfFont {
	key := o
	if ref, ok := o.(pdfRef); ok {
		key = ref
	} else {
		key = fmt.Sprintf("%p", r.dict(o))
	}
	if f, ok := r.fonts[key]; ok {
		return f
	}
	d := r.dict(o)
	f := &pdfFont{dw: pdfFallbackWidth, wscale: 0.001}
	if d != nil {
		f.twoByte = d["Subtype"] == pdfName("Type0")
		if st, ok := r.resolve(d["ToUnicode"]).(*pdfStream); ok {
			if b, err := r.decode(st); err == nil {
				f.cmap = parseCMap(b)
				lens := map[int]bool{}
				for k := range f.cmap {
					lens[len(k)] = true
				}
				for l := range lens {
					f.codeLens = append(f.codeLens, l)
				}
				sort.Sort(sort.Reverse(sort.IntSlice(f.codeLens)))
			}
		}
		if !f.twoByte {
			f.enc = r.simpleEncoding(d["Encoding"])
		}
		r.fontWidths(f, d)
	}
	r.fonts[key] = f
	return f
}

// fontWidths reads glyph widths (ISO 32000-1 §9.6.2 /FirstChar /Widths
// and /FontDescriptor /MissingWidth for simple fonts, §9.7.4.3 /W and /DW
// of the descendant CIDFont for Type0 fonts, §9.6.5 /FontMatrix for
// Type3). The standard 14 fonts may omit /Widths: their metrics are
// built in.
func (r *pdfReader) fontWidths(f *pdfFont, d pdfDict) {
	num := func(o any) (float64, bool) {
		v, ok := r.resolve(o).(float64)
		return v, ok && !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	if f.twoByte {
		f.dw = 1000
		desc, _ := r.resolve(d["DescendantFonts"]).([]any)
		if len(desc) == 0 {
			return
		}
		cd := r.dict(desc[0])
		if cd == nil {
			return
		}
		if v, ok := num(cd["DW"]); ok && v >= 0 {
			f.dw = v
		}
		// /W is a list of "c [w1 w2 …]" (consecutive CIDs from c) and
		// "cfirst clast w" (one width for a range) entries.
		w, _ := r.resolve(cd["W"]).([]any)
		f.cidW = map[int]float64{}
		for i := 0; i < len(w) && len(f.cidW) < 1<<16; {
			c, ok := num(w[i])
			if !ok || i+1 >= len(w) {
				break
			}
			if arr, ok := r.resolve(w[i+1]).([]any); ok {
				for j, e := range arr {
					if v, ok := num(e); ok {
						f.cidW[int(c)+j] = v
					}
				}
				i += 2
				continue
			}
			hi, ok1 := num(w[i+1])
			if i+2 >= len(w) {
				break
			}
			v, ok2 := num(w[i+2])
			if ok1 && ok2 && hi >= c && hi-c < 1<<16 {
				for k := int(c); k <= int(hi) && len(f.cidW) < 1<<16; k++ {
					f.cidW[k] = v
				}
			}
			i += 3
		}
		return
	}
	if d["Subtype"] == pdfName("Type3") {
		if m, ok := r.resolve(d["FontMatrix"]).([]any); ok && len(m) == 6 {
			if v, ok := num(m[0]); ok && v != 0 {
				f.wscale = math.Abs(v)
			}
		}
	}
	if fd := r.dict(d["FontDescriptor"]); fd != nil {
		if v, ok := num(fd["MissingWidth"]); ok && v > 0 {
			f.dw = v
		}
	}
	ws, _ := r.resolve(d["Widths"]).([]any)
	if len(ws) > 0 && len(ws) <= 65536 {
		first, _ := num(d["FirstChar"])
		f.first = int(max(first, 0))
		f.widths = make([]float64, len(ws))
		for i, e := range ws {
			v, ok := num(e)
			if !ok {
				v = f.dw
			}
			f.widths[i] = v
		}
		return
	}
	base, _ := r.resolve(d["BaseFont"]).(pdfName)
	if std := standardWidths(string(base)); std != nil {
		f.first, f.widths = 32, std
	}
}

// width returns a code's advance in text space units per unit font size.
func (f *pdfFont) width(code, n int) float64 {
	if f == nil {
		return pdfFallbackWidth * 0.001
	}
	w := f.dw
	if f.cidW != nil || f.twoByte {
		if v, ok := f.cidW[code]; ok {
			w = v
		}
	} else if i := code - f.first; i >= 0 && i < len(f.widths) {
		w = f.widths[i]
	}
	return w * f.wscale
}

// glyphs splits a shown string into character codes the way decode reads
// it and calls fn with each code, its length in bytes and its text.
func (f *pdfFont) glyphs(s string, fn func(code, n int, text string)) {
	if f == nil || (f.cmap == nil && !f.twoByte) {
		for i := 0; i < len(s); i++ {
			fn(int(s[i]), 1, f.simpleText(s[i]))
		}
		return
	}
	if f.cmap == nil {
		// CID font without ToUnicode: no way to know the text, but the
		// codes still advance the pen.
		for i := 0; i < len(s); i += 2 {
			fn(codeInt(s[i:min(i+2, len(s))]), 2, "")
		}
		return
	}
	for i := 0; i < len(s); {
		matched := false
		for _, l := range f.codeLens {
			if i+l <= len(s) {
				if t, ok := f.cmap[s[i:i+l]]; ok {
					fn(codeInt(s[i:i+l]), l, t)
					i += l
					matched = true
					break
				}
			}
		}
		if !matched {
			if !f.twoByte {
				fn(int(s[i]), 1, f.simpleText(s[i]))
				i++
				continue
			}
			n := min(2, len(s)-i)
			fn(codeInt(s[i:i+n]), n, "")
			i += n
		}
	}
}

func (f *pdfFont) decode(s string) string {
	var sb strings.Builder
	f.glyphs(s, func(_, _ int, t string) { sb.WriteString(t) })
	return sb.String()
}

// simpleText is the text of a simple font's one-byte code.
func (f *pdfFont) simpleText(c byte) string {
	if f == nil || f.enc == nil {
		return winAnsi(string([]byte{c}))
	}
	if r := f.enc[c]; r != 0 {
		return string(r)
	}
	return ""
}

// simpleEncoding reads a simple font's /Encoding (ISO 32000-1 §9.6.6): a
// base encoding name, or a dictionary with /BaseEncoding and /Differences
// ("code name name … code name …" naming the glyphs of consecutive
// codes). Glyph names are read with a table of the common Latin ones and
// the uniXXXX convention; an unknown name keeps the base encoding's
// character. nil means plain WinAnsi, as before /Encoding was read.
func (r *pdfReader) simpleEncoding(o any) *[256]rune {
	var base any = r.resolve(o)
	var diffs []any
	if d, ok := base.(pdfDict); ok {
		base = r.resolve(d["BaseEncoding"])
		diffs, _ = r.resolve(d["Differences"]).([]any)
	}
	if base != pdfName("MacRomanEncoding") && len(diffs) == 0 {
		return nil
	}
	enc := new([256]rune)
	for c := range enc {
		for _, r := range winAnsi(string([]byte{byte(c)})) {
			enc[c] = r
		}
	}
	if base == pdfName("MacRomanEncoding") {
		for i, r := range []rune(macRomanHigh) {
			enc[0x80+i] = r
		}
	}
	code := -1
	for _, e := range diffs {
		switch v := r.resolve(e).(type) {
		case float64:
			code = int(v)
		case pdfName:
			if code >= 0 && code < 256 {
				if r, ok := glyphRune(string(v)); ok {
					enc[code] = r
				}
			}
			code++
		}
	}
	return enc
}

// macRomanHigh is Mac OS Roman's codes 0x80–0xFF (the Apple logo at 0xF0
// left out).
const macRomanHigh = "ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø¿¡¬√ƒ≈∆«»…\u00a0ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\x00ÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ"

// glyphNames maps glyph names to characters; built on first use, not at
// every start of the binary.
var glyphNames = sync.OnceValue(func() map[string]rune {
	m := map[string]rune{}
	ascii := strings.Fields(`space exclam quotedbl numbersign dollar percent ampersand quotesingle
		parenleft parenright asterisk plus comma hyphen period slash zero one two three four five six
		seven eight nine colon semicolon less equal greater question at`)
	for i, n := range ascii {
		m[n] = rune(0x20 + i)
	}
	for c := 'A'; c <= 'Z'; c++ {
		m[string(c)] = c
		m[string(c+32)] = c + 32
	}
	for i, n := range strings.Fields("bracketleft backslash bracketright asciicircum underscore grave") {
		m[n] = rune(0x5B + i)
	}
	for i, n := range strings.Fields("braceleft bar braceright asciitilde") {
		m[n] = rune(0x7B + i)
	}
	latin1 := strings.Fields(`nbspace exclamdown cent sterling currency yen brokenbar section dieresis
		copyright ordfeminine guillemotleft logicalnot sfthyphen registered macron degree plusminus
		twosuperior threesuperior acute mu paragraph periodcentered cedilla onesuperior ordmasculine
		guillemotright onequarter onehalf threequarters questiondown Agrave Aacute Acircumflex Atilde
		Adieresis Aring AE Ccedilla Egrave Eacute Ecircumflex Edieresis Igrave Iacute Icircumflex
		Idieresis Eth Ntilde Ograve Oacute Ocircumflex Otilde Odieresis multiply Oslash Ugrave Uacute
		Ucircumflex Udieresis Yacute Thorn germandbls agrave aacute acircumflex atilde adieresis aring
		ae ccedilla egrave eacute ecircumflex edieresis igrave iacute icircumflex idieresis eth ntilde
		ograve oacute ocircumflex otilde odieresis divide oslash ugrave uacute ucircumflex udieresis
		yacute thorn ydieresis`)
	for i, n := range latin1 {
		m[n] = rune(0xA0 + i)
	}
	for n, r := range map[string]rune{"Euro": '€', "endash": '–', "emdash": '—', "quoteleft": '‘',
		"quoteright": '’', "quotedblleft": '“', "quotedblright": '”', "quotesinglbase": '‚',
		"quotedblbase": '„', "bullet": '•', "ellipsis": '…', "trademark": '™', "dagger": '†',
		"daggerdbl": '‡', "perthousand": '‰', "OE": 'Œ', "oe": 'œ', "Scaron": 'Š', "scaron": 'š',
		"Zcaron": 'Ž', "zcaron": 'ž', "Ydieresis": 'Ÿ', "florin": 'ƒ', "circumflex": 'ˆ', "tilde": '˜',
		"guilsinglleft": '‹', "guilsinglright": '›', "minus": '−', "dotlessi": 'ı', "fraction": '⁄',
		"Lslash": 'Ł', "lslash": 'ł', "fi": 'ﬁ', "fl": 'ﬂ', "middot": '·', "space.alt": ' ', "uni00A0": ' '} {
		m[n] = r
	}
	return m
})

// glyphRune maps a glyph name to its character: the table above, then
// "uniXXXX" and "uXXXX[XX]" (Adobe Glyph List conventions), ignoring a
// ".suffix" variant tag.
func glyphRune(name string) (rune, bool) {
	if r, ok := glyphNames()[name]; ok {
		return r, true
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
		if r, ok := glyphNames()[name]; ok {
			return r, true
		}
	}
	hexPart := ""
	switch {
	case strings.HasPrefix(name, "uni") && len(name) == 7:
		hexPart = name[3:]
	case strings.HasPrefix(name, "u") && len(name) >= 5 && len(name) <= 7:
		hexPart = name[1:]
	}
	if hexPart != "" {
		if v, err := strconv.ParseUint(hexPart, 16, 32); err == nil && v > 0x1F && v <= 0x10FFFF && (v < 0xD800 || v > 0xDFFF) {
			return rune(v), true
		}
	}
	return 0, false
}

// winAnsi decodes bytes in WinAnsiEncoding (close to Windows-1252).
func winAnsi(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80 && c <= 0x9f:
			if r, ok := cp1252[c]; ok {
				sb.WriteRune(r)
			}
		case c < 0x20 && c != '\t':
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

var cp1252 = map[byte]rune{0x80: '€', 0x82: '‚', 0x84: '„', 0x85: '…', 0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—', 0x99: '™'}

// parseCMap reads bfchar and bfrange entries of a ToUnicode CMap.
func parseCMap(b []byte) map[string]string {
	m := map[string]string{}
	p := &pdfParser{b: b}
	var stack []any
	mode := ""
	for len(m) < 1<<20 {
		p.skipSpace()
		if p.pos >= len(p.b) {
			break
		}
		c := p.b[p.pos]
		if isRegular(c) && !(c >= '0' && c <= '9') && c != '-' {
			kw := p.keyword()
			if kw == "" {
				p.pos++
				continue
			}
			switch kw {
			case "beginbfchar", "beginbfrange":
				mode = kw
				stack = stack[:0]
			case "endbfchar":
				for i := 0; i+1 < len(stack); i += 2 {
					src, ok1 := stack[i].(string)
					dst, ok2 := stack[i+1].(string)
					if ok1 && ok2 {
						m[src] = utf16BE(dst)
					}
				}
				mode = ""
			case "endbfrange":
				for i := 0; i+2 < len(stack); i += 3 {
					lo, ok1 := stack[i].(string)
					hi, ok2 := stack[i+1].(string)
					if !ok1 || !ok2 || len(lo) != len(hi) || len(lo) == 0 || len(lo) > 4 {
						continue
					}
					l, h := codeInt(lo), codeInt(hi)
					if h < l || h-l > 65535 {
						continue
					}
					switch dst := stack[i+2].(type) {
					case string:
						base := []rune(utf16BE(dst))
						for c := l; c <= h && len(base) > 0; c++ {
							out := append([]rune(nil), base...)
							out[len(out)-1] += rune(c - l)
							m[codeString(c, len(lo))] = string(out)
						}
					case []any:
						for j, e := range dst {
							if s, ok := e.(string); ok && l+j <= h {
								m[codeString(l+j, len(lo))] = utf16BE(s)
							}
						}
					}
				}
				mode = ""
			}
			if mode == "" {
				stack = stack[:0]
			}
			continue
		}
		o, err := p.object(0)
		if err != nil {
			p.pos++
			continue
		}
		if mode != "" {
			stack = append(stack, o)
		}
	}
	return m
}

func codeInt(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v<<8 | int(s[i])
	}
	return v
}

func codeString(v, n int) string {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return string(b)
}

func utf16BE(s string) string {
	if len(s)%2 == 1 {
		return s
	}
	u := make([]uint16, len(s)/2)
	for i := range u {
		u[i] = uint16(s[2*i])<<8 | uint16(s[2*i+1])
	}
	return string(utf16.Decode(u))
}

// decodePDFTextString decodes a text string (UTF-16BE with BOM, or
// PDFDocEncoding approximated by Latin-1).
func decodePDFTextString(s string) string {
	if strings.HasPrefix(s, "\xfe\xff") {
		return utf16BE(s[2:])
	}
	return winAnsi(s)
}

// --- lexer ---

type pdfParser struct {
	b   []byte
	pos int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool { return strings.IndexByte("()<>[]{}/%", c) >= 0 }

func isRegular(c byte) bool { return !isSpace(c) && !isDelim(c) }

func (p *pdfParser) skipSpace() {
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		if isSpace(c) {
			p.pos++
		} else if c == '%' {
			for p.pos < len(p.b) && p.b[p.pos] != '\n' && p.b[p.pos] != '\r' {
				p.pos++
			}
		} else {
			return
		}
	}
}

func (p *pdfParser) keyword() string {
	s := p.pos
	for p.pos < len(p.b) && isRegular(p.b[p.pos]) {
		p.pos++
	}
	return string(p.b[s:p.pos])
}

var errPDFSyntax = fmt.Errorf("pdf syntax")

// object parses one PDF object: number, reference, name, string, array,
// dictionary, boolean or null. Streams are handled by the caller.
func (p *pdfParser) object(depth int) (any, error) {
	if depth > pdfMaxDepth {
		return nil, errPDFSyntax
	}
	p.skipSpace()
	if p.pos >= len(p.b) {
		return nil, io.EOF
	}
	switch c := p.b[p.pos]; {
	case c == '/':
		p.pos++
		s := p.pos
		for p.pos < len(p.b) && isRegular(p.b[p.pos]) {
			p.pos++
		}
		return pdfName(decodeName(p.b[s:p.pos])), nil
	case c == '(':
		return p.literalString()
	case c == '<' && p.pos+1 < len(p.b) && p.b[p.pos+1] == '<':
		p.pos += 2
		d := pdfDict{}
		for len(d) < 4096 {
			p.skipSpace()
			if p.pos+1 < len(p.b) && p.b[p.pos] == '>' && p.b[p.pos+1] == '>' {
				p.pos += 2
				return d, nil
			}
			k, err := p.object(depth + 1)
			if err != nil {
				return nil, err
			}
			name, ok := k.(pdfName)
			if !ok {
				return nil, errPDFSyntax
			}
			v, err := p.object(depth + 1)
			if err != nil {
				return nil, err
			}
			d[string(name)] = v
		}
		return nil, errPDFSyntax
	case c == '<':
		p.pos++
		e := bytes.IndexByte(p.b[p.pos:], '>')
		if e < 0 {
			return nil, errPDFSyntax
		}
		s := string(decodeHexString(p.b[p.pos : p.pos+e]))
		p.pos += e + 1
		return s, nil
	case c == '[':
		p.pos++
		var arr []any
		for len(arr) < 1<<16 {
			p.skipSpace()
			if p.pos < len(p.b) && p.b[p.pos] == ']' {
				p.pos++
				return arr, nil
			}
			o, err := p.object(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, o)
		}
		return nil, errPDFSyntax
	case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
		s := p.pos
		p.pos++
		for p.pos < len(p.b) && (p.b[p.pos] >= '0' && p.b[p.pos] <= '9' || p.b[p.pos] == '.') {
			p.pos++
		}
		v, err := strconv.ParseFloat(string(p.b[s:p.pos]), 64)
		if err != nil {
			return nil, errPDFSyntax
		}
		// "N G R" is a reference.
		save := p.pos
		p.skipSpace()
		if g, ok := p.intToken(); ok {
			p.skipSpace()
			if p.pos < len(p.b) && p.b[p.pos] == 'R' && (p.pos+1 == len(p.b) || !isRegular(p.b[p.pos+1])) {
				p.pos++
				return pdfRef{int(v), g}, nil
			}
		}
		p.pos = save
		return v, nil
	default:
		kw := p.keyword()
		switch kw {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		return nil, errPDFSyntax
	}
}

func (p *pdfParser) intToken() (int, bool) {
	s := p.pos
	for p.pos < len(p.b) && p.b[p.pos] >= '0' && p.b[p.pos] <= '9' {
		p.pos++
	}
	if p.pos == s || p.pos-s > 9 {
		p.pos = s
		return 0, false
	}
	v, _ := strconv.Atoi(string(p.b[s:p.pos]))
	return v, true
}

func decodeName(b []byte) string {
	if bytes.IndexByte(b, '#') < 0 {
		return string(b)
	}
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) {
			if v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				i += 2
				continue
			}
		}
		out = append(out, b[i])
	}
	return string(out)
}

func decodeHexString(b []byte) []byte {
	var digits []byte
	for _, c := range b {
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' {
			digits = append(digits, c)
		}
	}
	if len(digits)%2 == 1 {
		digits = append(digits, '0')
	}
	out := make([]byte, len(digits)/2)
	hex.Decode(out, digits)
	return out
}

func (p *pdfParser) literalString() (any, error) {
	p.pos++ // (
	var out []byte
	depth := 1
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		p.pos++
		switch c {
		case '(':
			depth++
			out = append(out, c)
		case ')':
			depth--
			if depth == 0 {
				return string(out), nil
			}
			out = append(out, c)
		case '\\':
			if p.pos >= len(p.b) {
				return nil, errPDFSyntax
			}
			e := p.b[p.pos]
			p.pos++
			switch e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\r':
				if p.pos < len(p.b) && p.b[p.pos] == '\n' {
					p.pos++
				}
			case '\n':
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && p.pos < len(p.b) && p.b[p.pos] >= '0' && p.b[p.pos] <= '7'; k++ {
						v = v*8 + int(p.b[p.pos]-'0')
						p.pos++
					}
					out = append(out, byte(v))
				} else {
					out = append(out, e)
				}
			}
		default:
			out = append(out, c)
		}
		if len(out) > pdfMaxStream {
			return nil, errPDFSyntax
		}
	}
	return nil, errPDFSyntax
}

// stream reads the data after a stream dictionary: /Length when it is a
// direct, plausible number, otherwise up to "endstream".
func (p *pdfParser) stream(d pdfDict, r *pdfReader) *pdfStream {
	p.pos += len("stream")
	if p.pos < len(p.b) && p.b[p.pos] == '\r' {
		p.pos++
	}
	if p.pos < len(p.b) && p.b[p.pos] == '\n' {
		p.pos++
	}
	start := p.pos
	if n, ok := d["Length"].(float64); ok && n >= 0 && start+int(n) <= len(p.b) {
		end := start + int(n)
		rest := p.b[end:min(len(p.b), end+32)]
		if bytes.Contains(rest, []byte("endstream")) {
			return &pdfStream{dict: d, raw: p.b[start:end]}
		}
	}
	e := bytes.Index(p.b[start:], []byte("endstream"))
	if e < 0 {
		return &pdfStream{dict: d, raw: p.b[start:]}
	}
	full := p.b[start : start+e]
	return &pdfStream{dict: d, raw: bytes.TrimRight(full, "\r\n"), untrimmed: full}
}
