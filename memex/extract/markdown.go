package extract

import (
	"strings"

	"nexusos/internal/lazyregexp"
)

var (
	reWikilink = lazyregexp.New(`\[\[([^\]\|#]+)(?:#[^\]\|]*)?(?:\|[^\]]*)?\]\]`)
	reMdLink   = lazyregexp.New(`\]\(([^)\s]+\.md)(?:#[^)]*)?\)`)
	reTag      = lazyregexp.New(`(?:^|\s)#([\p{L}][\p{L}\p{N}_/\-]*)`)
	reHeading  = lazyregexp.New(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
)

// markdown reads Markdown as Obsidian writes it: YAML front matter (title,
// tags, aliases and other scalar keys), headings, #tags outside code, and
// [[wikilinks]] (with #heading and |alias parts).
func markdown(name string, data []byte) (*Doc, error) {
	text := CleanText(data)
	d := &Doc{Format: "markdown", Meta: map[string]string{}}
	body := text
	if strings.HasPrefix(text, "---\n") {
		if end := strings.Index(text[4:], "\n---"); end >= 0 {
			fm := text[4 : 4+end]
			body = text[4+end+4:]
			if i := strings.IndexByte(body, '\n'); i >= 0 {
				body = body[i+1:]
			} else {
				body = ""
			}
			parseFrontMatter(fm, d)
		}
	}
	inCode := false
	cur := Section{}
	var sb strings.Builder
	flush := func() {
		cur.Text = strings.TrimSpace(sb.String())
		if cur.Text != "" || cur.Heading != "" {
			d.Sections = append(d.Sections, cur)
		}
		sb.Reset()
	}
	seenTag := map[string]bool{}
	for _, t := range d.Tags {
		seenTag[t] = true
	}
	for _, line := range strings.Split(body, "\n") {
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~") {
			inCode = !inCode
			sb.WriteString(line + "\n")
			continue
		}
		if !inCode {
			if m := reHeading.FindStringSubmatch(trim); m != nil {
				flush()
				cur = Section{Heading: m[2], Level: len(m[1])}
				if d.Title == "" && len(m[1]) == 1 {
					d.Title = m[2]
				}
				continue
			}
			for _, m := range reTag.FindAllStringSubmatch(line, -1) {
				t := strings.ToLower(m[1])
				if !seenTag[t] {
					seenTag[t] = true
					d.Tags = append(d.Tags, t)
				}
			}
		}
		sb.WriteString(line + "\n")
	}
	flush()
	seenLink := map[string]bool{}
	for _, re := range []*lazyregexp.Regexp{reWikilink, reMdLink} {
		for _, m := range re.FindAllStringSubmatch(body, -1) {
			l := strings.TrimSpace(m[1])
			if l != "" && !seenLink[l] {
				seenLink[l] = true
				d.Links = append(d.Links, l)
			}
		}
	}
	// Plain text: wikilinks read as their alias or target.
	for i := range d.Sections {
		d.Sections[i].Text = delink(d.Sections[i].Text)
	}
	d.Text = delink(body)
	if d.Title != "" && !strings.Contains(d.Text, d.Title) {
		d.Text = d.Title + "\n\n" + d.Text
	}
	return d, nil
}

// delink replaces [[target#heading|alias]] by the words a reader sees.
func delink(body string) string {
	return reWikilink.ReplaceAllStringFunc(body, func(s string) string {
		inner := strings.Trim(s, "[]")
		if i := strings.IndexByte(inner, '|'); i >= 0 {
			return inner[i+1:]
		}
		if i := strings.IndexByte(inner, '#'); i >= 0 {
			return inner[:i]
		}
		return inner
	})
}

// parseFrontMatter reads the YAML subset notes use: `key: value`,
// `key: [a, b]` and block lists `key:\n  - a`.
func parseFrontMatter(fm string, d *Doc) {
	var listKey string
	for _, line := range strings.Split(fm, "\n") {
		if listKey != "" && strings.HasPrefix(strings.TrimSpace(line), "- ") {
			addMeta(d, listKey, strings.TrimSpace(strings.TrimSpace(line)[2:]))
			continue
		}
		listKey = ""
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch {
		case v == "":
			listKey = k
		case strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]"):
			for _, item := range strings.Split(v[1:len(v)-1], ",") {
				addMeta(d, k, strings.TrimSpace(item))
			}
		default:
			addMeta(d, k, v)
		}
	}
}

func addMeta(d *Doc, k, v string) {
	v = strings.Trim(v, `"'`)
	if v == "" {
		return
	}
	switch k {
	case "tags", "tag":
		d.Tags = append(d.Tags, strings.ToLower(strings.TrimPrefix(v, "#")))
	case "title":
		d.Title = v
	}
	if old, ok := d.Meta[k]; ok {
		d.Meta[k] = old + ", " + v
	} else {
		d.Meta[k] = v
	}
}
