package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestHammerConcurrentClients runs writers, readers and payload updaters
// against one handler at once, then checks that every write landed. Run
// it with -race.
func TestHammerConcurrentClients(t *testing.T) {
	c := newClient(t, Config{})
	c.ok("PUT", "/collections/h", map[string]any{"vectors": map[string]any{"size": 4, "distance": "Euclid"}})
	c.ok("PUT", "/collections/h/index?wait=true", map[string]any{"field_name": "w", "field_schema": "integer"})

	const writers, batches, per = 4, 25, 8
	send := func(method, path string, body any) (int, []byte) {
		b, _ := json.Marshal(body)
		req := httptest.NewRequest(method, path, bytes.NewReader(b))
		rec := httptest.NewRecorder()
		c.h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.Bytes()
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < batches; b++ {
				var pts []any
				for i := 0; i < per; i++ {
					id := (w*batches+b)*per + i
					pts = append(pts, map[string]any{"id": id, "vector": []float32{float32(w), float32(b), float32(i), 1}, "payload": map[string]any{"w": w, "b": b}})
				}
				if code, body := send("PUT", "/collections/h/points?wait=true", map[string]any{"points": pts}); code != 200 {
					errs <- fmt.Errorf("writer %d batch %d: %d %s", w, b, code, body)
					return
				}
				// Tag this batch's points through a filter while others write.
				filter := map[string]any{"must": []any{
					map[string]any{"key": "w", "match": map[string]any{"value": w}},
					map[string]any{"key": "b", "match": map[string]any{"value": b}},
				}}
				if code, body := send("POST", "/collections/h/points/payload?wait=true", map[string]any{"payload": map[string]any{"tagged": true}, "filter": filter}); code != 200 {
					errs <- fmt.Errorf("writer %d tag %d: %d %s", w, b, code, body)
					return
				}
			}
		}()
	}
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				if code, body := send("POST", "/collections/h/points/query", map[string]any{"query": []float32{1, 2, 3, 1}, "limit": 5, "with_payload": true}); code != 200 {
					errs <- fmt.Errorf("reader query: %d %s", code, body)
					return
				}
				if code, body := send("POST", "/collections/h/points/scroll", map[string]any{"limit": 20, "order_by": "w"}); code != 200 {
					errs <- fmt.Errorf("reader scroll: %d %s", code, body)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total := writers * batches * per
	if n := countOf(t, c, "h", nil); n != total {
		t.Errorf("count = %d, want %d", n, total)
	}
	tagged := map[string]any{"must": []any{map[string]any{"key": "tagged", "match": map[string]any{"value": true}}}}
	if n := countOf(t, c, "h", tagged); n != total {
		t.Errorf("tagged = %d, want %d", n, total)
	}
}
