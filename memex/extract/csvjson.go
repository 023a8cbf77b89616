package extract

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"nexusos/memex/layout"
)

func init() {
	Register(csvDoc, ".csv", ".tsv")
	Register(jsonDoc, ".json")
}

// csvDoc renders each row as "column: value" pairs, so labels stay next to
// their values for fact extraction and search. Its lines are the records
// themselves, one line each with every field at its column index.
func csvDoc(name string, data []byte) (*Doc, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	if strings.HasSuffix(strings.ToLower(name), ".tsv") {
		r.Comma = '\t'
	}
	var sb strings.Builder
	var header []string
	lines := []layout.Line{}
	for y := 0; ; y++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, Skip("malformed CSV: %v", err)
		}
		lines = append(lines, layout.FromRows(0, float64(y), [][]string{rec})...)
		if header == nil {
			header = rec
			sb.WriteString(strings.Join(rec, " | ") + "\n")
			continue
		}
		var parts []string
		for i, v := range rec {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if i < len(header) && header[i] != "" {
				parts = append(parts, header[i]+": "+v)
			} else {
				parts = append(parts, v)
			}
		}
		sb.WriteString(strings.Join(parts, "; ") + "\n")
		if sb.Len() > MaxTextBytes {
			break
		}
	}
	for i := range lines {
		for j := range lines[i].Cells {
			lines[i].Cells[j].Text = CleanText([]byte(lines[i].Cells[j].Text))
		}
	}
	return &Doc{Format: "csv", Text: CleanText([]byte(sb.String())), Lines: lines}, nil
}

// jsonDoc flattens JSON to "path: value" lines.
func jsonDoc(name string, data []byte) (*Doc, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, Skip("malformed JSON: %v", err)
	}
	var sb strings.Builder
	d := &Doc{Format: "json"}
	flattenJSON(&sb, "", v, 0)
	d.Text = sb.String()
	if m, ok := v.(map[string]any); ok {
		for _, k := range []string{"title", "name", "subject"} {
			if s, ok := m[k].(string); ok {
				d.Title = s
				break
			}
		}
	}
	return d, nil
}

func flattenJSON(sb *strings.Builder, path string, v any, depth int) {
	if depth > 64 || sb.Len() > MaxTextBytes {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			flattenJSON(sb, p, x[k], depth+1)
		}
	case []any:
		for i, e := range x {
			flattenJSON(sb, fmt.Sprintf("%s[%d]", path, i), e, depth+1)
		}
	case nil:
	default:
		fmt.Fprintf(sb, "%s: %v\n", path, x)
	}
}
