package rest

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// GET /metrics in Prometheus text format (version 0.0.4), with metric
// names as Qdrant spells them: app_info, collections_total,
// collections_vector_total, rest_responses_total,
// rest_responses_fail_total and rest_responses_duration_seconds_sum.

type metricKey struct {
	method, endpoint string
	status           int
}

// metrics counts answered requests. It is safe for concurrent use.
type metrics struct {
	mu sync.Mutex
	// The fields below are guarded by mu.
	count    map[metricKey]uint64
	duration map[metricKey]float64
}

func newMetrics() *metrics {
	return &metrics{count: map[metricKey]uint64{}, duration: map[metricKey]float64{}}
}

func (m *metrics) observe(r *http.Request, status int, d time.Duration) {
	endpoint := r.Pattern
	if i := strings.IndexByte(endpoint, ' '); i >= 0 {
		endpoint = endpoint[i+1:]
	}
	if endpoint == "/" || endpoint == "" {
		endpoint = "unknown"
	}
	k := metricKey{r.Method, endpoint, status}
	m.mu.Lock()
	m.count[k]++
	m.duration[k] += d.Seconds()
	m.mu.Unlock()
}

func promEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func (h *handler) metricsText(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	var b strings.Builder
	fmt.Fprintf(&b, "# HELP app_info information about the server\n# TYPE app_info gauge\napp_info{name=\"nexus\",version=\"%s\"} 1\n", Version)
	names := h.db.Collections()
	vectors := 0
	for _, n := range names {
		if info, err := h.db.CollectionInfo(n); err == nil {
			vectors += info.PointsCount * max(1, len(info.Config.Vectors)+len(info.Config.SparseVectors))
		}
	}
	fmt.Fprintf(&b, "# HELP collections_total number of collections\n# TYPE collections_total gauge\ncollections_total %d\n", len(names))
	fmt.Fprintf(&b, "# HELP collections_vector_total total number of vectors in all collections\n# TYPE collections_vector_total gauge\ncollections_vector_total %d\n", vectors)

	h.metrics.mu.Lock()
	keys := make([]metricKey, 0, len(h.metrics.count))
	for k := range h.metrics.count {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, c := keys[i], keys[j]
		if a.endpoint != c.endpoint {
			return a.endpoint < c.endpoint
		}
		if a.method != c.method {
			return a.method < c.method
		}
		return a.status < c.status
	})
	b.WriteString("# HELP rest_responses_total total number of responses\n# TYPE rest_responses_total counter\n")
	fails := map[[2]string]uint64{}
	for _, k := range keys {
		fmt.Fprintf(&b, "rest_responses_total{method=%q,endpoint=\"%s\",status=\"%d\"} %d\n", k.method, promEscape(k.endpoint), k.status, h.metrics.count[k])
		if k.status >= 400 {
			fails[[2]string{k.method, k.endpoint}] += h.metrics.count[k]
		}
	}
	b.WriteString("# HELP rest_responses_fail_total total number of failed responses\n# TYPE rest_responses_fail_total counter\n")
	for _, k := range keys {
		fk := [2]string{k.method, k.endpoint}
		if n, ok := fails[fk]; ok {
			fmt.Fprintf(&b, "rest_responses_fail_total{method=%q,endpoint=\"%s\"} %d\n", k.method, promEscape(k.endpoint), n)
			delete(fails, fk)
		}
	}
	b.WriteString("# HELP rest_responses_duration_seconds_sum total time spent answering\n# TYPE rest_responses_duration_seconds_sum counter\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "rest_responses_duration_seconds_sum{method=%q,endpoint=\"%s\",status=\"%d\"} %g\n", k.method, promEscape(k.endpoint), k.status, h.metrics.duration[k])
	}
	h.metrics.mu.Unlock()
	_, _ = io.WriteString(w, b.String())
}
