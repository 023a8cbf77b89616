// Package extract turns files into plain text with structure: title,
// sections under headings, tags, links and format-specific metadata
// (Markdown front matter, e-mail headers). Every extractor treats its input
// as hostile: sizes are bounded, malformed input yields an error, never a
// panic. Functions are safe for concurrent use.
package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"nexusos/memex/layout"
)

// MaxTextBytes bounds the text kept from one file.
const MaxTextBytes = 8 << 20

// Bounds on a document's geometry (Doc.Lines), so that the readers after
// extraction (fact extraction compares cells along and across lines) see
// a bounded document whatever the file holds: a line of more than
// MaxLineCells cells is wrapped, and cells past MaxCells are left out
// (their text stays in Doc.Text).
const (
	MaxLineCells = 1000
	MaxCells     = 1 << 17
)

// Doc is an extracted document.
type Doc struct {
	Format   string // text, markdown, html, email, pdf, docx, odt, csv, json, image
	Title    string
	Text     string
	Sections []Section
	// Lines is the text's geometry in reading order (see package layout).
	// Extractors that know positions or table cells fill it; File builds it
	// from Text otherwise.
	Lines    []layout.Line
	OCRPages int // pages or images read by OCR (0 for a text layer)
	Tags     []string
	Links    []string // wikilink targets and local links, as written
	Meta     map[string]string
	// E-mail fields.
	From, To, Subject string
	Date              time.Time
	Attachments       []string // names

	// pageImages is set for a PDF whose pages are images with a thin
	// text layer (see imagePages in pdf.go), which FileWith reads by OCR:
	// it takes the pages' images out, or returns nil when one cannot be,
	// and is called only when OCR is to read them.
	pageImages func() [][]byte
}

// Section is a run of text under one heading.
type Section struct {
	Heading string
	Level   int // 0 for text before the first heading
	Text    string
}

// SkipError says why a file is not indexed (unknown binary, too large,
// malformed). It is not a failure of the run.
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return e.Reason }

// Skip returns a *SkipError.
func Skip(format string, args ...any) error { return &SkipError{fmt.Sprintf(format, args...)} }

// IsSkip reports whether err is a *SkipError.
func IsSkip(err error) bool {
	var s *SkipError
	return errors.As(err, &s)
}

// Extractor reads one format.
type Extractor func(name string, data []byte) (*Doc, error)

var byExt = map[string]Extractor{}

// Register adds an extractor for file extensions (with dot, lower case).
// It is called from init functions only.
func Register(f Extractor, exts ...string) {
	for _, e := range exts {
		byExt[e] = f
	}
}

func init() {
	Register(plainText, ".txt", ".text", ".log", ".rst", "")
	Register(markdown, ".md", ".markdown", ".mdown")
}

// File extracts a file's content. name is used for its extension and as a
// fallback title. Unknown binary content is a *SkipError, and so are
// images and PDFs without a text layer: File does no OCR (see FileWith).
func File(name string, data []byte) (*Doc, error) {
	return FileWith(name, data, Options{})
}

// OCRer reads text from scanned pages (package memex/ocr implements it
// with tesseract).
type OCRer interface {
	// Available says why OCR cannot run (not installed, no languages);
	// the error says how to fix it.
	Available() error
	// Image reads a PNG, JPEG or TIFF image.
	Image(ctx context.Context, data []byte) ([]layout.Line, error)
	// PDF reads a PDF without a text layer; it also returns the number of
	// pages read.
	PDF(ctx context.Context, data []byte) ([]layout.Line, int, error)
}

// Options configure FileWith.
type Options struct {
	// OCR reads images and PDFs without a text layer; nil skips them.
	OCR OCRer
	// Context bounds OCR; nil means context.Background().
	Context context.Context
}

// FileWith is File with options: with opts.OCR, images and scanned PDFs
// are read by OCR.
//
// A panic in an extractor is contained: it becomes an error naming it, so
// one hostile file cannot stop an ingest.
func FileWith(name string, data []byte, opts Options) (d *Doc, err error) {
	defer func() {
		if r := recover(); r != nil {
			d, err = nil, fmt.Errorf("extractor failed: %v", r)
		}
	}()
	return fileWith(name, data, opts)
}

func fileWith(name string, data []byte, opts Options) (*Doc, error) {
	ext := strings.ToLower(filepath.Ext(name))
	f, ok := byExt[ext]
	if !ok {
		if looksBinary(data) {
			return nil, Skip("unsupported binary file type %q", ext)
		}
		f = plainText
	}
	var d *Doc
	var err error
	switch {
	case imageExts[ext]:
		d, err = ocrImage(data, opts)
	default:
		d, err = f(name, data)
		if errors.Is(err, errNoTextLayer) && opts.OCR != nil {
			d, err = ocrPDF(data, opts)
		} else if err == nil && d.Format == "pdf" && opts.OCR != nil && (garbled(d.Text) || d.pageImages != nil) {
			// A text layer whose fonts map to no readable characters
			// ("%( ,+\"\", *+%(#0"), or pages that are images under a
			// line or two of text (a browser's print header over a
			// receipt photo): the pages are read by OCR instead, and the
			// text layer is kept if OCR reads nothing.
			read := func() (*Doc, error) { return ocrPDF(data, opts) }
			if d.pageImages != nil {
				if images := d.pageImages(); len(images) > 0 {
					read = func() (*Doc, error) { return ocrPages(images, opts) }
				}
			}
			if od, oerr := read(); oerr == nil {
				d = od
			} else if cerr := opts.ctx().Err(); cerr != nil {
				return nil, cerr
			}
		}
	}
	if err != nil {
		return nil, err
	}
	d.pageImages = nil // nothing more to read; let the PDF go
	unligate(d)
	if len(d.Text) > MaxTextBytes {
		d.Text = d.Text[:MaxTextBytes]
	}
	if d.Title == "" {
		d.Title = firstLine(d.Text)
	}
	if len(d.Sections) == 0 {
		d.Sections = []Section{{Text: d.Text}}
	}
	if d.Lines == nil {
		d.Lines = layout.FromText(d.Text)
	}
	d.Lines, _ = layout.Limit(d.Lines, MaxLineCells, MaxCells)
	return d, nil
}

// garbled reports a text layer that reads as symbols: of at least 200
// non-space characters, fewer than half are letters or digits. Text in
// any script passes (letters of every script count); a PDF whose fonts
// carry no usable character mapping does not.
func garbled(text string) bool {
	var n, alnum int
	for _, r := range text {
		switch {
		case unicode.IsSpace(r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			n++
			alnum++
		default:
			n++
		}
	}
	return n >= 200 && 2*alnum < n
}

// ligatures spells out the Latin typographic ligatures (U+FB00–FB06)
// that PDF fonts map text to, so "Kick-Oﬀ" reads, matches and is searched
// as "Kick-Off".
var ligatures = strings.NewReplacer("\uFB00", "ff", "\uFB01", "fi", "\uFB02", "fl", "\uFB03", "ffi", "\uFB04", "ffl", "\uFB05", "st", "\uFB06", "st")

// unligate applies ligatures to everything a document's text reaches.
func unligate(d *Doc) {
	if strings.IndexFunc(d.Text, func(r rune) bool { return r >= 0xFB00 && r <= 0xFB06 }) < 0 {
		return
	}
	d.Text, d.Title = ligatures.Replace(d.Text), ligatures.Replace(d.Title)
	for i := range d.Sections {
		d.Sections[i].Heading = ligatures.Replace(d.Sections[i].Heading)
		d.Sections[i].Text = ligatures.Replace(d.Sections[i].Text)
	}
	for i := range d.Lines {
		for j := range d.Lines[i].Cells {
			d.Lines[i].Cells[j].Text = ligatures.Replace(d.Lines[i].Cells[j].Text)
		}
	}
}

// looksBinary reports NUL bytes or mostly invalid UTF-8 in the first 8 KiB.
func looksBinary(b []byte) bool {
	if len(b) > 8192 {
		b = b[:8192]
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	bad := 0
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			bad++
		}
		b = b[n:]
	}
	return bad > 16
}

// CleanText makes b valid UTF-8 with \n line ends.
func CleanText(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

func firstLine(text string) string {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(strings.TrimLeft(l, "#*=- \t"))
		if l != "" {
			if len(l) > 120 {
				l = l[:120]
			}
			return l
		}
	}
	return ""
}

func plainText(name string, data []byte) (*Doc, error) {
	return &Doc{Format: "text", Text: CleanText(data)}, nil
}
