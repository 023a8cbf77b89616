package memex

import (
	"strings"
	"unicode/utf8"

	"nexusos/memex/extract"
)

// ChunkChars is the target chunk size in bytes.
const ChunkChars = 900

// ChunkText is one chunk of a document.
type ChunkText struct {
	Heading string
	Text    string
}

// Chunk splits a document by section, then by paragraph, packing
// paragraphs up to ChunkChars. Consecutive chunks of a section overlap by
// the previous chunk's last paragraph when it is short, so a sentence
// pair split across a boundary is still found together.
func Chunk(d *extract.Doc) []ChunkText {
	var out []ChunkText
	for _, s := range d.Sections {
		paras := splitParagraphs(s.Text)
		var cur []string
		size := 0
		emit := func() {
			if len(cur) > 0 {
				out = append(out, ChunkText{Heading: s.Heading, Text: strings.Join(cur, "\n\n")})
			}
		}
		for _, p := range paras {
			if size > 0 && size+len(p) > ChunkChars {
				emit()
				last := cur[len(cur)-1]
				cur, size = nil, 0
				if len(last) < ChunkChars/4 {
					cur, size = []string{last}, len(last)
				}
			}
			cur = append(cur, p)
			size += len(p)
		}
		emit()
		if len(paras) == 0 && s.Heading != "" {
			out = append(out, ChunkText{Heading: s.Heading, Text: s.Heading})
		}
	}
	if len(out) == 0 {
		out = append(out, ChunkText{Text: d.Title})
	}
	return out
}

// splitParagraphs splits on blank lines; paragraphs longer than ChunkChars
// are cut at line or word boundaries.
func splitParagraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(text, "\n\n") {
		p = strings.TrimSpace(p)
		for len(p) > ChunkChars {
			cutAt := strings.LastIndexByte(p[:ChunkChars], '\n')
			if cutAt < ChunkChars/2 {
				cutAt = strings.LastIndexByte(p[:ChunkChars], ' ')
			}
			if cutAt < ChunkChars/2 {
				cutAt = ChunkChars
				for cutAt > 0 && !utf8.RuneStart(p[cutAt]) {
					cutAt--
				}
			}
			out = append(out, strings.TrimSpace(p[:cutAt]))
			p = strings.TrimSpace(p[cutAt:])
		}
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
