package extract

import (
	"context"

	"nexusos/memex/layout"
)

// imageExts are the image files read by OCR.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".tif": true, ".tiff": true}

// errNoTextLayer is pdfDoc's answer for a PDF whose pages have no text
// (a scanned document); FileWith then reads it by OCR.
var errNoTextLayer = &SkipError{"PDF has no text layer (scanned image?)"}

func init() {
	// File (no OCR) skips images with a reason; FileWith reads them.
	Register(func(_ string, data []byte) (*Doc, error) { return ocrImage(data, Options{}) },
		".png", ".jpg", ".jpeg", ".tif", ".tiff")
}

func (o Options) ctx() context.Context {
	if o.Context == nil {
		return context.Background()
	}
	return o.Context
}

// ocrImage reads an image by OCR.
func ocrImage(data []byte, opts Options) (*Doc, error) {
	if opts.OCR == nil {
		return nil, Skip("image needs OCR (not enabled for this extraction)")
	}
	lines, err := opts.OCR.Image(opts.ctx(), data)
	if err != nil {
		return nil, ocrFailed("image", err, opts)
	}
	pages := 1
	for _, l := range lines {
		pages = max(pages, l.Page+1)
	}
	return ocrDoc("image", lines, pages)
}

// ocrPages reads a PDF's pages from their images, one per page.
func ocrPages(images [][]byte, opts Options) (*Doc, error) {
	var lines []layout.Line
	for i, img := range images {
		ls, err := opts.OCR.Image(opts.ctx(), img)
		if err != nil {
			return nil, ocrFailed("PDF page image", err, opts)
		}
		for _, l := range ls {
			l.Page = i
			lines = append(lines, l)
		}
	}
	return ocrDoc("pdf", lines, len(images))
}

// ocrPDF reads a PDF without a text layer by OCR.
func ocrPDF(data []byte, opts Options) (*Doc, error) {
	lines, pages, err := opts.OCR.PDF(opts.ctx(), data)
	if err != nil {
		return nil, ocrFailed("scanned PDF", err, opts)
	}
	return ocrDoc("pdf", lines, pages)
}

func ocrDoc(format string, lines []layout.Line, pages int) (*Doc, error) {
	text := layout.Text(lines)
	if text == "" {
		return nil, Skip("%s has no text (OCR found none)", format)
	}
	return &Doc{Format: format, Text: text, Lines: lines, OCRPages: pages}, nil
}

// ocrFailed turns an OCR error into a skip with its reason: OCR that
// cannot run (with the install hint), or a file it could not read. A
// cancelled context stays an error.
func ocrFailed(what string, err error, opts Options) error {
	if cerr := opts.ctx().Err(); cerr != nil {
		return cerr
	}
	if aerr := opts.OCR.Available(); aerr != nil {
		return Skip("%s needs OCR: %v", what, aerr)
	}
	return Skip("%s not read by OCR: %v", what, err)
}
