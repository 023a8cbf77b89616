package extract

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
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
// (so damaged files still yield text), expands object streams, walks the
// page tree from the catalog, and interprets content-stream text operators
// with each font's ToUnicode CMap or its simple encoding.

type pdfRef struct{ num, gen int }
type pdfName string
type pdfDict map[string]any
type pdfStream struct {
	dict pdfDict
	raw  []byte
}

type pdfReader struct {
	objs    map[int]any
	budget  int
	decoded map[int][]byte
	fonts   map[any]*pdfFont
}

var reObjHeader = regexp.MustCompile(`(\d+)\s+(\d+)\s+obj\b`)

func pdfDoc(name string, data []byte) (*Doc, error) {
	if !bytes.HasPrefix(bytes.TrimLeft(data[:min(len(data), 1024)], "\x00\r\n\t "), []byte("%PDF")) && !bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")) {
		return nil, Skip("not a PDF file (no %%PDF header)")
	}
	r := &pdfReader{objs: map[int]any{}, budget: pdfMaxTotal, decoded: map[int][]byte{}, fonts: map[any]*pdfFont{}}
	if err := r.scan(data); err != nil {
		return nil, err
	}
	for _, o := range r.objs {
		if d, ok := o.(pdfDict); ok {
			if _, enc := d["Encrypt"]; enc {
				return nil, Skip("encrypted PDF")
			}
		}
	}
	pages := r.pages()
	if len(pages) == 0 {
		return nil, Skip("PDF has no readable pages")
	}
	var sb strings.Builder
	for i, p := range pages {
		if i > 0 {
			sb.WriteString("\n\n")
		}
		r.pageText(&sb, p)
		if sb.Len() > MaxTextBytes {
			break
		}
	}
	text := collapsePDF(sb.String())
	if strings.TrimSpace(text) == "" {
		return nil, Skip("PDF has no text layer (scanned image?)")
	}
	d := &Doc{Format: "pdf", Text: text}
	if info := r.info(); info != nil {
		if t, ok := info["Title"].(string); ok {
			d.Title = strings.TrimSpace(decodePDFTextString(t))
		}
	}
	return d, nil
}

func collapsePDF(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		out = append(out, strings.TrimRight(strings.Join(strings.Fields(l), " "), " "))
	}
	return strings.TrimSpace(collapse(strings.Join(out, "\n")))
}

// scan finds every indirect object in the file and in object streams.
func (r *pdfReader) scan(data []byte) error {
	locs := reObjHeader.FindAllSubmatchIndex(data, -1)
	if len(locs) > pdfMaxObjects {
		return Skip("PDF has %d objects (limit %d)", len(locs), pdfMaxObjects)
	}
	for _, m := range locs {
		num, _ := strconv.Atoi(string(data[m[2]:m[3]]))
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
	}
	// Trailer dictionaries (classic xref files) hold /Root and /Info.
	for _, i := range allIndex(data, []byte("trailer")) {
		p := &pdfParser{b: data, pos: i + len("trailer")}
		if d, ok := mustObj(p.object(0)).(pdfDict); ok {
			r.objs[-1-len(r.objs)] = d
		}
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
		res := inherited
		if d["Resources"] != nil {
			res = d
		}
		switch d["Type"] {
		case pdfName("Pages"):
			kids, _ := r.resolve(d["Kids"]).([]any)
			for _, k := range kids {
				walk(k, depth+1, res)
			}
		default:
			if d["Resources"] == nil && res != nil {
				cp := pdfDict{}
				for k, v := range d {
					cp[k] = v
				}
				cp["Resources"] = res["Resources"]
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

// decode returns a stream's data after its filters.
func (r *pdfReader) decode(s *pdfStream) ([]byte, error) {
	data := s.raw
	filters := []any{}
	switch f := r.resolve(s.dict["Filter"]).(type) {
	case pdfName:
		filters = append(filters, f)
	case []any:
		filters = f
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

func (r *pdfReader) pageText(sb *strings.Builder, page pdfDict) {
	res := r.dict(page["Resources"])
	r.runContent(sb, r.contents(page), res, 0)
}

// runContent interprets the text operators of a content stream.
func (r *pdfReader) runContent(sb *strings.Builder, content []byte, res pdfDict, depth int) {
	if depth > pdfMaxFormNested {
		return
	}
	fonts := r.dict(res["Font"])
	xobjs := r.dict(res["XObject"])
	var font *pdfFont
	var stack []any
	p := &pdfParser{b: content}
	lastY := 0.0
	for sb.Len() < MaxTextBytes {
		p.skipSpace()
		if p.pos >= len(p.b) {
			return
		}
		c := p.b[p.pos]
		if isRegular(c) && !(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.' {
			op := p.keyword()
			if op == "" {
				p.pos++
				continue
			}
			switch op {
			case "Tf":
				if len(stack) >= 2 {
					if n, ok := stack[len(stack)-2].(pdfName); ok && fonts != nil {
						font = r.font(fonts[string(n)])
					}
				}
			case "Tj", "'", "\"":
				if op != "Tj" {
					sb.WriteString("\n")
				}
				if len(stack) > 0 {
					if s, ok := stack[len(stack)-1].(string); ok {
						sb.WriteString(font.decode(s))
					}
				}
			case "TJ":
				if len(stack) > 0 {
					if arr, ok := stack[len(stack)-1].([]any); ok {
						for _, e := range arr {
							switch v := e.(type) {
							case string:
								sb.WriteString(font.decode(v))
							case float64:
								if v < -180 {
									sb.WriteString(" ")
								}
							}
						}
					}
				}
			case "Td", "TD":
				if len(stack) >= 2 {
					ty, _ := stack[len(stack)-1].(float64)
					tx, _ := stack[len(stack)-2].(float64)
					if ty != 0 {
						sb.WriteString("\n")
					} else if tx > 0 {
						sb.WriteString("\t")
					}
				}
			case "T*":
				sb.WriteString("\n")
			case "Tm":
				if len(stack) >= 6 {
					y, _ := stack[len(stack)-1].(float64)
					if y != lastY {
						sb.WriteString("\n")
					} else {
						sb.WriteString("\t")
					}
					lastY = y
				}
			case "ET":
				sb.WriteString(" ")
			case "Do":
				if len(stack) > 0 && xobjs != nil {
					if n, ok := stack[len(stack)-1].(pdfName); ok {
						if st, ok := r.resolve(xobjs[string(n)]).(*pdfStream); ok && st.dict["Subtype"] == pdfName("Form") {
							if b, err := r.decode(st); err == nil {
								sub := r.dict(st.dict["Resources"])
								if sub == nil {
									sub = res
								}
								r.runContent(sb, b, sub, depth+1)
							}
						}
					}
				}
			case "BI":
				// Inline image: skip to EI.
				if i := bytes.Index(p.b[p.pos:], []byte("EI")); i >= 0 {
					p.pos += i + 2
				} else {
					return
				}
			}
			stack = stack[:0]
			continue
		}
		obj, err := p.object(0)
		if err != nil {
			p.pos++
			stack = stack[:0]
			continue
		}
		if len(stack) < 64 {
			stack = append(stack, obj)
		}
	}
}

// --- fonts ---

type pdfFont struct {
	cmap     map[string]string // code bytes → text
	codeLens []int             // code lengths present in the CMap, longest first
	twoByte  bool              // Type0 font without a usable CMap
}

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
	f := &pdfFont{}
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
	}
	r.fonts[key] = f
	return f
}

func (f *pdfFont) decode(s string) string {
	if f == nil || (f.cmap == nil && !f.twoByte) {
		return winAnsi(s)
	}
	if f.cmap == nil {
		return "" // CID font without ToUnicode: no way to know the text
	}
	var sb strings.Builder
	for i := 0; i < len(s); {
		matched := false
		for _, l := range f.codeLens {
			if i+l <= len(s) {
				if t, ok := f.cmap[s[i:i+l]]; ok {
					sb.WriteString(t)
					i += l
					matched = true
					break
				}
			}
		}
		if !matched {
			if !f.twoByte {
				sb.WriteString(winAnsi(s[i : i+1]))
			}
			i++
			if f.twoByte && i < len(s) {
				i++
			}
		}
	}
	return sb.String()
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
	raw := p.b[start : start+e]
	raw = bytes.TrimRight(raw, "\r\n")
	return &pdfStream{dict: d, raw: raw}
}
