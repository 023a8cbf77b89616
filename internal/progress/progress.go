// Package progress draws a one-line progress bar for long CLI operations:
// count, bytes, rate and ETA. On a terminal it redraws in place at most ten
// times a second; otherwise it prints a plain line every few seconds so
// logs stay readable. A Bar is not safe for concurrent use.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"nexusos/internal/benchstat"
)

// Bar is a progress line.
type Bar struct {
	w      io.Writer
	tty    bool
	label  string
	unit   string
	start  time.Time
	last   time.Time
	drawn  bool
	minGap time.Duration
}

// New returns a bar writing to w. label names the work ("indexing"), unit
// the counted things ("files").
func New(w io.Writer, label, unit string) *Bar {
	b := &Bar{w: w, label: label, unit: unit, start: time.Now(), minGap: 3 * time.Second}
	if f, ok := w.(*os.File); ok {
		if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
			b.tty, b.minGap = true, 100*time.Millisecond
		}
	}
	return b
}

// Update redraws the bar if enough time has passed since the last draw.
func (b *Bar) Update(done, total int, bytes, totalBytes int64, current string) {
	now := time.Now()
	if b.drawn && now.Sub(b.last) < b.minGap && done != total {
		return
	}
	b.last, b.drawn = now, true
	el := now.Sub(b.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(done) / el
	}
	eta := "?"
	if rate > 0 && total >= done {
		eta = (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second).String()
	}
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	const width = 24
	fill := int(frac * width)
	bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
	line := fmt.Sprintf("%s %s %d/%d %s  %s/%s  %.0f %s/s  ETA %s", b.label, bar, done, total, b.unit,
		benchstat.Bytes(bytes), benchstat.Bytes(totalBytes), rate, b.unit, eta)
	if b.tty {
		if c := shorten(current, 30); c != "" {
			line += "  " + c
		}
		fmt.Fprintf(b.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(b.w, line)
	}
}

// Done ends the bar's line.
func (b *Bar) Done() {
	if b.tty && b.drawn {
		fmt.Fprintln(b.w)
	}
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
