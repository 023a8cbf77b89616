package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// DemoCollection is the collection RunDemo (re)creates.
const DemoCollection = "nexus_demo"

// demoDoc is one demo document: a hand-made 4-d "embedding" (finance,
// travel, health, software) and a text for the sparse vector.
type demoDoc struct {
	id     int
	kind   string
	date   string
	amount float64
	dense  []float32
	text   string
}

var demoDocs = []demoDoc{
	{1, "invoice", "2026-01-15T00:00:00Z", 1200, []float32{0.9, 0.1, 0.0, 0.2}, "invoice for cloud hosting services january"},
	{2, "invoice", "2026-03-02T00:00:00Z", 89.5, []float32{0.8, 0.4, 0.0, 0.0}, "hotel invoice paris conference trip"},
	{3, "receipt", "2026-03-03T00:00:00Z", 42, []float32{0.5, 0.8, 0.1, 0.0}, "taxi receipt airport paris"},
	{4, "letter", "2025-11-20T00:00:00Z", 0, []float32{0.1, 0.0, 0.9, 0.1}, "letter from the clinic about your appointment"},
	{5, "note", "2026-02-10T00:00:00Z", 0, []float32{0.0, 0.1, 0.1, 0.9}, "notes on the vector database design and hnsw index"},
	{6, "invoice", "2026-02-28T00:00:00Z", 310, []float32{0.7, 0.0, 0.0, 0.6}, "invoice for software licences and support"},
}

// sparseOf turns text into a bag-of-words sparse vector (term frequency;
// the collection's idf modifier supplies the inverse document frequency).
func sparseOf(text string) map[string]any {
	tf := map[uint32]float32{}
	for _, w := range strings.Fields(strings.ToLower(text)) {
		h := fnv.New32a()
		_, _ = h.Write([]byte(w))
		tf[h.Sum32()%(1<<20)]++
	}
	idx := make([]uint32, 0, len(tf))
	for i := range tf {
		idx = append(idx, i)
	}
	sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
	vals := make([]float32, len(idx))
	for i, k := range idx {
		vals[i] = tf[k]
	}
	return map[string]any{"indices": idx, "values": vals}
}

// demoClient is a minimal Qdrant REST client for the demo.
type demoClient struct {
	base   string
	apiKey string
	http   *http.Client
}

func (c *demoClient) call(ctx context.Context, method, path string, body any) (json.RawMessage, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.apiKey != "" {
		req.Header.Set("api-key", c.apiKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read response: %w", method, path, err)
	}
	var env struct {
		Result json.RawMessage `json:"result"`
		Status json.RawMessage `json:"status"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("%s %s: HTTP %d: %.200s", method, path, resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusOK {
		var st struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(env.Status, &st)
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, st.Error)
	}
	return env.Result, nil
}

type demoHit struct {
	ID      any            `json:"id"`
	Score   float64        `json:"score"`
	Payload map[string]any `json:"payload"`
}

func (c *demoClient) query(ctx context.Context, body any) ([]demoHit, error) {
	raw, err := c.call(ctx, http.MethodPost, "/collections/"+DemoCollection+"/points/query", body)
	if err != nil {
		return nil, err
	}
	var res struct {
		Points []demoHit `json:"points"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("decode query result: %w", err)
	}
	return res.Points, nil
}

func printHits(out io.Writer, hits []demoHit) {
	if len(hits) == 0 {
		fmt.Fprintln(out, "    (no results)")
	}
	for _, h := range hits {
		fmt.Fprintf(out, "    id=%v score=%.4f kind=%v date=%v text=%q\n", h.ID, h.Score, h.Payload["kind"], h.Payload["date"], h.Payload["text"])
	}
}

// RunDemo drives a Qdrant REST API at baseURL (for example
// "http://127.0.0.1:6333"): it recreates collection DemoCollection with a
// dense and an idf-weighted sparse vector, indexes payload fields, upserts
// a few documents, then prints a filtered query and a hybrid (dense +
// sparse, RRF-fused) query and their results to out.
func RunDemo(ctx context.Context, baseURL, apiKey string, out io.Writer) error {
	c := &demoClient{base: strings.TrimRight(baseURL, "/"), apiKey: apiKey, http: &http.Client{Timeout: 30 * time.Second}}
	coll := "/collections/" + DemoCollection

	fmt.Fprintf(out, "demo: Qdrant REST API at %s\n", c.base)
	if _, err := c.call(ctx, http.MethodDelete, coll, nil); err != nil {
		return fmt.Errorf("demo: drop old collection: %w", err)
	}
	create := map[string]any{
		"vectors":        map[string]any{"dense": map[string]any{"size": 4, "distance": "Cosine"}},
		"sparse_vectors": map[string]any{"text": map[string]any{"modifier": "idf"}},
		"hnsw_config":    map[string]any{"m": 16, "ef_construct": 100},
	}
	if _, err := c.call(ctx, http.MethodPut, coll, create); err != nil {
		return fmt.Errorf("demo: create collection: %w", err)
	}
	fmt.Fprintf(out, "1. created collection %q: dense vector (4-d, Cosine) + sparse vector \"text\" (idf)\n", DemoCollection)

	for field, schema := range map[string]string{"kind": "keyword", "date": "datetime", "amount": "float"} {
		body := map[string]any{"field_name": field, "field_schema": schema}
		if _, err := c.call(ctx, http.MethodPut, coll+"/index?wait=true", body); err != nil {
			return fmt.Errorf("demo: index %s: %w", field, err)
		}
	}
	fmt.Fprintln(out, "2. indexed payload fields kind (keyword), date (datetime), amount (float)")

	points := make([]any, 0, len(demoDocs))
	for _, d := range demoDocs {
		points = append(points, map[string]any{
			"id":      d.id,
			"vector":  map[string]any{"dense": d.dense, "text": sparseOf(d.text)},
			"payload": map[string]any{"kind": d.kind, "date": d.date, "amount": d.amount, "text": d.text},
		})
	}
	if _, err := c.call(ctx, http.MethodPut, coll+"/points?wait=true", map[string]any{"points": points}); err != nil {
		return fmt.Errorf("demo: upsert: %w", err)
	}
	fmt.Fprintf(out, "3. upserted %d points with payloads (kind, date, amount, text)\n", len(points))

	filtered := map[string]any{
		"query": []float32{1, 0.2, 0, 0.1},
		"using": "dense",
		"filter": map[string]any{"must": []any{
			map[string]any{"key": "kind", "match": map[string]any{"value": "invoice"}},
			map[string]any{"key": "date", "range": map[string]any{"gte": "2026-02-01T00:00:00Z"}},
		}},
		"limit":        3,
		"with_payload": true,
	}
	hits, err := c.query(ctx, filtered)
	if err != nil {
		return fmt.Errorf("demo: filtered query: %w", err)
	}
	fmt.Fprintln(out, "4. filtered query: near a finance vector, kind = invoice AND date >= 2026-02-01:")
	printHits(out, hits)

	hybrid := map[string]any{
		"prefetch": []any{
			map[string]any{"query": []float32{0.6, 0.7, 0, 0}, "using": "dense", "limit": 5},
			map[string]any{"query": sparseOf("paris trip"), "using": "text", "limit": 5},
		},
		"query":        map[string]any{"fusion": "rrf"},
		"limit":        3,
		"with_payload": true,
	}
	hits, err = c.query(ctx, hybrid)
	if err != nil {
		return fmt.Errorf("demo: hybrid query: %w", err)
	}
	fmt.Fprintln(out, "5. hybrid query: dense (travel-ish) + sparse \"paris trip\", fused by RRF:")
	printHits(out, hits)
	fmt.Fprintf(out, "demo done; try: curl -s %s%s | head -c 300\n", c.base, coll)
	return nil
}
