// Package ocr reads text from scanned documents with Tesseract, run as a
// child process: images (PNG, JPEG, TIFF) directly, and PDFs without a
// text layer page by page after Ghostscript renders them. Its output is
// tesseract's TSV (words with boxes and confidences), grouped into
// layout lines so fact extraction sees labels and values where they are
// on the page. Before tesseract runs, the image is prepared in Go: cut to
// the paper (crop.go), cleaned of speckle and its light evened out
// (enhance.go), levelled (deskew.go) and its small print enlarged
// (textsize.go).
//
// Input is treated as hostile: an image's dimensions are checked from its
// header before anything runs, a PDF is read up to MaxPages pages, every
// child process has a deadline per page and dies with its process group,
// and temporary files are removed. Results are cached by the SHA-256 of
// the input, so re-reading a file runs nothing.
package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"nexusos/memex/layout"
)

// Defaults for the zero fields of an Engine.
const (
	DefaultCmd       = "tesseract"
	DefaultGS        = "gs"
	DefaultTimeout   = 60 * time.Second
	DefaultMaxPages  = 10
	DefaultMaxPixels = 40_000_000
	// DPI is the resolution scanned PDF pages are rendered at.
	DPI = 300
	// minDPI is the lowest rendering resolution worth reading; a page so
	// large that MaxPixels forces less is not read.
	minDPI = 100
)

// DefaultLangs are the languages asked for when Engine.Langs is empty;
// only those installed are used.
var DefaultLangs = []string{"eng", "deu", "fra", "nld", "spa", "ita", "pol", "por", "ces", "ron", "hun", "fin", "swe", "dan", "nor", "tur", "jpn", "chi_sim"}

// InstallHint is the command that installs tesseract and the default
// languages on Debian and Ubuntu.
const InstallHint = "apt-get install tesseract-ocr tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-nld tesseract-ocr-spa tesseract-ocr-ita tesseract-ocr-pol tesseract-ocr-por tesseract-ocr-ces tesseract-ocr-ron tesseract-ocr-hun tesseract-ocr-fin tesseract-ocr-swe tesseract-ocr-dan tesseract-ocr-nor tesseract-ocr-tur tesseract-ocr-jpn tesseract-ocr-chi-sim"

// maxOutput bounds what is read from a child's standard output.
const maxOutput = 32 << 20

// Engine runs tesseract. The zero value is usable; fields must not change
// after the first call. An Engine is safe for concurrent use.
//
// With several languages installed, a document is read in the first one
// (English by default); when the common words of that text show another
// language, the page is read again in that language alone, and the
// document's further pages are read in it directly.
type Engine struct {
	Cmd       string        // tesseract binary; default "tesseract"
	GS        string        // Ghostscript binary for PDFs; default "gs"
	Langs     []string      // wanted languages; default DefaultLangs
	Timeout   time.Duration // per page; default 60 s
	MaxPages  int           // pages read from a PDF or TIFF; default 10
	MaxPixels int64         // largest image read; default 40 Mpx
	CacheDir  string        // where results are cached; "" means no cache
	Logger    *slog.Logger  // nil means no logs
	// OnePass runs tesseract once with all languages (-l eng+deu+…)
	// instead of reading in the first language and again in the language
	// the text turns out to be in. It is 2–4 times slower for the same
	// or worse text (tesseract weighs every language for every word).
	OnePass bool

	once     sync.Once
	langs    []string // wanted ∩ installed, set by once
	availErr error
}

func (e *Engine) cmd() string {
	if e.Cmd == "" {
		return DefaultCmd
	}
	return e.Cmd
}

func (e *Engine) gs() string {
	if e.GS == "" {
		return DefaultGS
	}
	return e.GS
}

func (e *Engine) timeout() time.Duration {
	if e.Timeout <= 0 {
		return DefaultTimeout
	}
	return e.Timeout
}

func (e *Engine) maxPages() int {
	if e.MaxPages <= 0 {
		return DefaultMaxPages
	}
	return e.MaxPages
}

func (e *Engine) maxPixels() int64 {
	if e.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return e.MaxPixels
}

func (e *Engine) wantLangs() []string {
	if len(e.Langs) == 0 {
		return DefaultLangs
	}
	return e.Langs
}

func (e *Engine) log() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

// Available reports whether tesseract runs and has at least one of the
// wanted languages; the error says how to install what is missing. It
// runs `tesseract --list-langs` once per Engine.
func (e *Engine) Available() error {
	e.once.Do(func() { e.langs, e.availErr = e.probe() })
	return e.availErr
}

// InstalledLangs returns the languages tesseract is run with: those wanted
// that are installed.
func (e *Engine) InstalledLangs() []string {
	if e.Available() != nil {
		return nil
	}
	return slices.Clone(e.langs)
}

func (e *Engine) probe() ([]string, error) {
	notInstalled := fmt.Errorf("tesseract is not installed (%s)", InstallHint)
	if _, err := exec.LookPath(e.cmd()); err != nil {
		return nil, notInstalled
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Tesseract 3 and 4.0 print the list on stderr, later ones on stdout.
	out, err := run(ctx, 30*time.Second, e.cmd(), []string{"--list-langs"}, true)
	if err != nil {
		return nil, fmt.Errorf("tesseract --list-langs: %w", err)
	}
	installed := map[string]bool{}
	for l := range strings.SplitSeq(string(out), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.ContainsAny(l, " \t:") {
			installed[l] = true
		}
	}
	var use []string
	for _, l := range e.wantLangs() {
		if installed[l] {
			use = append(use, l)
		}
	}
	if len(use) == 0 {
		return nil, fmt.Errorf("tesseract has none of the languages %s installed (%s)", strings.Join(e.wantLangs(), ", "), InstallHint)
	}
	return use, nil
}

// Image reads an image file (PNG, JPEG or TIFF, told by its content). A
// multi-page TIFF gives lines on pages 0, 1, ….
func (e *Engine) Image(ctx context.Context, data []byte) ([]layout.Line, error) {
	info, err := probeImage(data)
	if err != nil {
		return nil, err
	}
	if px := info.w * info.h; px > e.maxPixels() {
		return nil, fmt.Errorf("image is %d×%d pixels (%s, limit %s)", info.w, info.h, mpx(px), mpx(e.maxPixels()))
	}
	if info.pages > e.maxPages() {
		return nil, fmt.Errorf("TIFF has %d pages (limit %d)", info.pages, e.maxPages())
	}
	key := e.cacheKey("image", data, e.wantLangs())
	if lines, _, ok := e.cacheGet(key); ok {
		return lines, nil
	}
	if err := e.Available(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "memex-ocr-*")
	if err != nil {
		return nil, fmt.Errorf("OCR temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	in, img := filepath.Join(dir, "in."+info.format), data
	if info.pages == 1 {
		if prepared, ok := prepare(data, info.format, e.maxPixels(), imagePrep); ok {
			in, img = filepath.Join(dir, "in-prepared.png"), prepared
		}
	}
	if err := os.WriteFile(in, img, 0o600); err != nil {
		return nil, fmt.Errorf("OCR temp file: %w", err)
	}
	start := time.Now()
	var lang string
	lines, err := e.read(ctx, in, 0, info.pages, 0, &lang)
	if err != nil {
		return nil, err
	}
	e.log().Debug("ocr image", "format", info.format, "pages", info.pages, "lang", lang, "lines", len(lines), "elapsed", time.Since(start))
	if err := e.cachePut(key, lines, info.pages); err != nil {
		e.log().Warn("ocr cache", "err", err)
	}
	return lines, nil
}

// PDF reads a PDF without a text layer: each of its first MaxPages pages
// is rendered by Ghostscript and read by tesseract. It returns the lines
// and the number of pages read.
func (e *Engine) PDF(ctx context.Context, data []byte) ([]layout.Line, int, error) {
	if !bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")) {
		return nil, 0, errors.New("not a PDF file")
	}
	key := e.cacheKey("pdf", data, e.wantLangs())
	if lines, pages, ok := e.cacheGet(key); ok {
		return lines, pages, nil
	}
	if err := e.Available(); err != nil {
		return nil, 0, err
	}
	if _, err := exec.LookPath(e.gs()); err != nil {
		return nil, 0, errors.New("ghostscript is not installed (apt-get install ghostscript)")
	}
	dir, err := os.MkdirTemp("", "memex-ocr-*")
	if err != nil {
		return nil, 0, fmt.Errorf("OCR temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, 0, fmt.Errorf("OCR temp file: %w", err)
	}
	sizes, err := e.pageSizes(ctx, dir, in)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	var lines []layout.Line
	var lang string
	for i, sz := range sizes {
		dpi := DPI
		if px := sz[0] * sz[1] * DPI * DPI; px > float64(e.maxPixels()) {
			dpi = int(math.Sqrt(float64(e.maxPixels()) / (sz[0] * sz[1])))
		}
		if dpi < minDPI {
			return nil, 0, fmt.Errorf("PDF page %d is %.0f×%.0f inches, too large to read", i+1, sz[0], sz[1])
		}
		png := filepath.Join(dir, "page.png")
		_, err := run(ctx, e.timeout(), e.gs(), []string{"-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pnggray",
			fmt.Sprintf("-r%d", dpi), fmt.Sprintf("-dFirstPage=%d", i+1), fmt.Sprintf("-dLastPage=%d", i+1),
			"-sOutputFile=" + png, in}, false)
		if err != nil {
			return nil, 0, fmt.Errorf("render PDF page %d: %w", i+1, err)
		}
		page := png
		if b, err := os.ReadFile(png); err == nil {
			if prepared, ok := prepare(b, "png", e.maxPixels(), pdfPrep); ok {
				page = filepath.Join(dir, "page-prepared.png")
				if err := os.WriteFile(page, prepared, 0o600); err != nil {
					return nil, 0, fmt.Errorf("OCR temp file: %w", err)
				}
			}
		}
		pl, err := e.read(ctx, page, i, 1, dpi, &lang)
		if err != nil {
			return nil, 0, fmt.Errorf("PDF page %d: %w", i+1, err)
		}
		lines = append(lines, pl...)
		os.Remove(png)
		os.Remove(page)
	}
	e.log().Debug("ocr pdf", "pages", len(sizes), "lang", lang, "lines", len(lines), "elapsed", time.Since(start))
	if err := e.cachePut(key, lines, len(sizes)); err != nil {
		e.log().Warn("ocr cache", "err", err)
	}
	return lines, len(sizes), nil
}

// probeDPI is the resolution of the pass that finds a PDF's pages and
// their sizes.
const probeDPI = 10

// pageSizes renders the PDF's first MaxPages pages at probeDPI in one
// Ghostscript run and returns each page's width and height in inches
// (one more page, if there is one, only to log that the rest is not read).
func (e *Engine) pageSizes(ctx context.Context, dir, in string) ([][2]float64, error) {
	pdir := filepath.Join(dir, "probe")
	if err := os.Mkdir(pdir, 0o700); err != nil {
		return nil, fmt.Errorf("OCR temp dir: %w", err)
	}
	defer os.RemoveAll(pdir)
	_, err := run(ctx, e.timeout(), e.gs(), []string{"-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pnggray",
		fmt.Sprintf("-r%d", probeDPI), "-dFirstPage=1", fmt.Sprintf("-dLastPage=%d", e.maxPages()+1),
		"-sOutputFile=" + filepath.Join(pdir, "p%04d.png"), in}, false)
	if err != nil {
		return nil, fmt.Errorf("read PDF pages: %w", err)
	}
	var sizes [][2]float64
	for i := 1; i <= e.maxPages()+1; i++ {
		b, err := os.ReadFile(filepath.Join(pdir, fmt.Sprintf("p%04d.png", i)))
		if err != nil {
			break
		}
		info, err := probeImage(b)
		if err != nil {
			return nil, fmt.Errorf("PDF page %d: %w", i, err)
		}
		sizes = append(sizes, [2]float64{float64(info.w) / probeDPI, float64(info.h) / probeDPI})
	}
	if len(sizes) == 0 {
		return nil, errors.New("ghostscript rendered no page of the PDF")
	}
	if len(sizes) > e.maxPages() {
		e.log().Info("ocr: reading only the first pages of a scanned PDF", "pages", e.maxPages())
		sizes = sizes[:e.maxPages()]
	}
	return sizes, nil
}

// read reads one image file in *lang (see readLang); a single page that
// reads poorly is turned upright first if it lies sideways or upside down
// (see orient.go), then tried in the languages of other scripts
// (readScript).
func (e *Engine) read(ctx context.Context, in string, firstPage, pages, dpi int, lang *string) ([]layout.Line, error) {
	known := *lang
	lines, good, err := e.readLang(ctx, in, firstPage, pages, dpi, lang)
	if err != nil || pages != 1 || good >= poorWords {
		return lines, err
	}
	if deg := e.rotation(ctx, in); deg != 0 {
		turned := strings.TrimSuffix(in, filepath.Ext(in)) + "-turned.png"
		if err := turn(in, turned, deg); err != nil {
			e.log().Debug("ocr: cannot turn the page", "err", err)
		} else {
			defer os.Remove(turned)
			lang2 := known // a language read off the sideways page is a guess
			l2, good2, err := e.readLang(ctx, turned, firstPage, pages, dpi, &lang2)
			if err == nil && good2 > good {
				e.log().Debug("ocr: page turned upright", "degrees", deg, "confident words", good, "after", good2)
				lines, good, in, *lang = l2, good2, turned, lang2
			}
		}
	}
	if good < poorWords && !slices.Contains(scriptLangs, *lang) {
		if l2, sl, ok := e.readScript(ctx, in, firstPage, pages, dpi); ok {
			*lang = sl
			return l2, nil
		}
	}
	if good >= poorWords {
		return lines, nil
	}
	// Read as one block of text: a till receipt's single column, which
	// page segmentation breaks into scattered fragments on faint thermal
	// paper. Kept only when it reads at least twice the confident words.
	l3, good3, err := e.tesseractPSM(ctx, in, firstPage, pages, dpi, *lang, "6")
	if err == nil && good3 >= 2*good && good3 >= good+blockGain {
		e.log().Debug("ocr: page read as one block", "confident words", good, "after", good3)
		return l3, nil
	}
	return lines, nil
}

// readLang reads one image file in *lang; with *lang empty it reads in
// the first language, then again in the language the text is in if that
// is another, and sets *lang once the text tells. good counts the
// confident words of the reading returned.
func (e *Engine) readLang(ctx context.Context, in string, firstPage, pages, dpi int, lang *string) (lines []layout.Line, good int, err error) {
	switch {
	case e.OnePass:
		return e.tesseract(ctx, in, firstPage, pages, dpi, strings.Join(e.langs, "+"))
	case *lang != "":
		return e.tesseract(ctx, in, firstPage, pages, dpi, *lang)
	}
	lines, good, err = e.tesseract(ctx, in, firstPage, pages, dpi, e.langs[0])
	if err != nil || len(e.langs) == 1 {
		*lang = e.langs[0]
		return lines, good, err
	}
	*lang = guessLang(layout.Text(lines), e.langs)
	if *lang == "" || *lang == e.langs[0] {
		return lines, good, nil
	}
	return e.tesseract(ctx, in, firstPage, pages, dpi, *lang)
}

// tesseract reads one image file in the languages langs ("eng+deu"); its
// pages become lines from page firstPage on. dpi > 0 tells tesseract the
// resolution. good counts the reading's confident words.
func (e *Engine) tesseract(ctx context.Context, in string, firstPage, pages, dpi int, langs string) (lines []layout.Line, good int, err error) {
	return e.tesseractPSM(ctx, in, firstPage, pages, dpi, langs, "3")
}

// tesseractPSM is tesseract with page segmentation mode psm: "3" finds
// the page's blocks and columns, "6" reads it as one block.
func (e *Engine) tesseractPSM(ctx context.Context, in string, firstPage, pages, dpi int, langs, psm string) (lines []layout.Line, good int, err error) {
	out, err := e.tesseractTSV(ctx, in, pages, dpi, langs, psm)
	if err != nil {
		return nil, 0, err
	}
	lines, err = ParseTSV(out, firstPage)
	if err != nil {
		return nil, 0, fmt.Errorf("tesseract: %w", err)
	}
	return lines, confidentWords(out), nil
}

// tesseractTSV runs tesseract on one image file and returns its TSV.
func (e *Engine) tesseractTSV(ctx context.Context, in string, pages, dpi int, langs, psm string) ([]byte, error) {
	if langs == "" {
		langs = strings.Join(e.langs, "+")
	}
	args := []string{in, "stdout", "-l", langs, "--psm", psm}
	if dpi > 0 {
		args = append(args, "--dpi", fmt.Sprint(dpi))
	}
	args = append(args, "tsv")
	out, err := run(ctx, e.timeout()*time.Duration(max(pages, 1)), e.cmd(), args, false)
	if err != nil {
		return nil, fmt.Errorf("tesseract: %w", err)
	}
	return out, nil
}

// run runs a command with a deadline, killing its whole process group
// when the deadline passes or ctx ends, and returns its standard output
// (with standard error too if combined).
func run(ctx context.Context, timeout time.Duration, name string, args []string, combined bool) ([]byte, error) {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(tctx, name, args...)
	// One thread per page: the machine is shared, and tesseract's OpenMP
	// threads barely help on a single page.
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	killGroup(cmd)
	cmd.WaitDelay = 2 * time.Second
	var stdout limitedBuffer
	var stderr tailBuffer
	stdout.max = maxOutput
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if combined {
		cmd.Stderr = &stdout
	}
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(tctx.Err(), context.DeadlineExceeded):
		return nil, fmt.Errorf("%s timed out after %s", filepath.Base(name), timeout)
	case err != nil:
		if msg := strings.TrimSpace(string(stderr.b)); msg != "" {
			return nil, fmt.Errorf("%w: %s", err, msg)
		}
		return nil, err
	case stdout.over:
		return nil, fmt.Errorf("%s wrote more than %d bytes", filepath.Base(name), maxOutput)
	}
	return stdout.b, nil
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	b    []byte
	max  int
	over bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - len(l.b); len(p) > room {
		l.b = append(l.b, p[:max(room, 0)]...)
		l.over = true
		return len(p), nil
	}
	l.b = append(l.b, p...)
	return len(p), nil
}

// tailBuffer keeps the last 1 KiB written to it (an error message).
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 1024 {
		t.b = t.b[len(t.b)-1024:]
	}
	return len(p), nil
}

func mpx(px int64) string {
	return fmt.Sprintf("%.0f Mpx", float64(px)/1e6)
}
