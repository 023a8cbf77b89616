package extract

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"path/filepath"
	"slices"
	"strings"

	"nexusos/memex/layout"
)

func init() { Register(eml, ".eml", ".msg822") }

// maxAttachments bounds the attachments of one message that are extracted
// (the rest are listed by name).
const maxAttachments = 16

const (
	maxMIMEParts = 200
	maxMIMEDepth = 8
)

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// charsetReader decodes the single-byte charsets mail commonly uses;
// UTF-8 and ASCII pass through.
func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "us-ascii", "ascii", "":
		return r, nil
	case "iso-8859-1", "latin1", "iso-8859-15", "windows-1252", "cp1252":
		b, err := io.ReadAll(io.LimitReader(r, MaxTextBytes))
		if err != nil {
			return nil, err
		}
		var sb strings.Builder
		for _, c := range b {
			sb.WriteRune(rune(c))
		}
		return strings.NewReader(sb.String()), nil
	}
	return nil, fmt.Errorf("unsupported charset %q", charset)
}

func decodeHeader(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}

// eml reads an RFC 822 message: headers, the text body (plain preferred,
// HTML rendered otherwise) and the text of attachments in formats this
// package reads.
func eml(name string, data []byte) (*Doc, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return nil, Skip("malformed e-mail: %v", err)
	}
	d := &Doc{Format: "email", Meta: map[string]string{}}
	d.From = decodeHeader(msg.Header.Get("From"))
	d.To = decodeHeader(msg.Header.Get("To"))
	d.Subject = decodeHeader(msg.Header.Get("Subject"))
	d.Title = d.Subject
	if t, err := msg.Header.Date(); err == nil {
		d.Date = t
	}
	var body, attach strings.Builder
	var attachLines [][]layout.Line
	parts := 0
	var walk func(h mailHeader, r io.Reader, depth int) error
	walk = func(h mailHeader, r io.Reader, depth int) error {
		if depth > maxMIMEDepth {
			return nil
		}
		parts++
		if parts > maxMIMEParts {
			return nil
		}
		ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			ct = "text/plain"
		}
		r = transferDecode(h.Get("Content-Transfer-Encoding"), io.LimitReader(r, MaxTextBytes*2))
		if strings.HasPrefix(ct, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			var alt []string
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					return nil // a broken part ends the walk of this level
				}
				if ct == "multipart/alternative" {
					pct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
					alt = append(alt, pct)
					if pct == "text/html" && slices.Contains(alt[:len(alt)-1], "text/plain") {
						continue
					}
				}
				if err := walk(p.Header, p, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		fname := ""
		if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
			fname = decodeHeader(dp["filename"])
		}
		if fname == "" {
			fname = decodeHeader(params["name"])
		}
		b, err := io.ReadAll(io.LimitReader(r, MaxTextBytes))
		if err != nil {
			return nil
		}
		if cs := params["charset"]; cs != "" && strings.HasPrefix(ct, "text/") {
			if cr, err := charsetReader(cs, bytes.NewReader(b)); err == nil {
				b, _ = io.ReadAll(cr)
			}
		}
		switch {
		case fname != "" && len(attachLines) >= maxAttachments:
			d.Attachments = append(d.Attachments, fname)
		case fname != "":
			d.Attachments = append(d.Attachments, fname)
			if strings.EqualFold(filepath.Ext(fname), ".eml") {
				break // nested messages are listed, not recursed into
			}
			if sub, err := File(filepath.Base(fname), b); err == nil {
				fmt.Fprintf(&attach, "\n\nAttachment: %s\n%s", fname, sub.Text)
				attachLines = append(attachLines, sub.Lines)
			}
		case ct == "text/plain":
			body.WriteString(CleanText(b) + "\n")
		case ct == "text/html":
			t, _, _ := htmlText(b)
			body.WriteString(t + "\n")
		}
		return nil
	}
	if err := walk(msg.Header, msg.Body, 0); err != nil {
		return nil, err
	}
	// The geometry leaves the header lines out: "From:", "To:" and
	// "Date:" describe the message, not a document inside it (the
	// invoice in the body or an attachment decides its facts). The body is
	// page 0, each attachment its own pages after it.
	d.Lines = layout.FromText(strings.TrimSpace(body.String()))
	page := 1
	for _, ls := range attachLines {
		last := -1
		for _, l := range ls {
			l.Page += page
			last = max(last, l.Page)
			d.Lines = append(d.Lines, l)
		}
		page = max(page, last+1)
	}
	var sb strings.Builder
	if d.Subject != "" {
		sb.WriteString("Subject: " + d.Subject + "\n")
	}
	if d.From != "" {
		sb.WriteString("From: " + d.From + "\n")
	}
	if d.To != "" {
		sb.WriteString("To: " + d.To + "\n")
	}
	if !d.Date.IsZero() {
		sb.WriteString("Date: " + d.Date.Format("2 Jan 2006") + "\n")
	}
	sb.WriteString("\n" + strings.TrimSpace(body.String()) + attach.String())
	d.Text = sb.String()
	return d, nil
}

type mailHeader interface{ Get(string) string }

func transferDecode(enc string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &newlineStripper{r: r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// newlineStripper drops CR and LF so base64 bodies wrapped at 76 columns
// decode.
type newlineStripper struct{ r io.Reader }

func (n *newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
