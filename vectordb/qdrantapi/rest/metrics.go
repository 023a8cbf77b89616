package rest

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GET /metrics in Prometheus text format (version 0.0.4) and the request
// statistics of GET /telemetry, with names as Qdrant spells them:
// app_info, collections_total, collections_vector_total,
// collection_points{id}, rest_responses_total, rest_responses_fail_total,
// rest_responses_avg/min/max_duration_seconds and
// rest_responses_duration_seconds (a histogram). With
// ?per_collection=true the rest_responses_* series carry a collection
// label, as Qdrant's do.

type metricKey struct {
	method, endpoint string
	status           int
	collection       string // "" for requests without one
}

// opStats accumulates the answers of one metricKey.
type opStats struct {
	count          uint64
	total          time.Duration
	minD, maxD     time.Duration
	last           time.Time
	buckets        [len(durationBuckets)]uint64 // cumulative counts ≤ bucket bound
	totalSecondsFl float64
}

// durationBuckets are the upper bounds (seconds) of Qdrant's
// rest_responses_duration_seconds histogram.
var durationBuckets = [...]float64{0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5}

// metrics counts answered requests. It is safe for concurrent use.
type metrics struct {
	mu sync.Mutex
	// stats is guarded by mu.
	stats map[metricKey]*opStats
}

// maxMetricKeys bounds the series kept; beyond it new keys are folded
// into the "unknown" endpoint (collection names come from clients).
const maxMetricKeys = 10000

func newMetrics() *metrics {
	return &metrics{stats: map[metricKey]*opStats{}}
}

// qdrantParamNames maps this router's path wildcards to the names in
// Qdrant's endpoint templates.
var qdrantParamNames = strings.NewReplacer(
	"{collection}", "{collection_name}",
	"{field}", "{field_name}",
	"{snapshot}", "{snapshot_name}",
)

// endpointOf returns the Qdrant endpoint template of r's route.
func endpointOf(r *http.Request) string {
	endpoint := r.Pattern
	if i := strings.IndexByte(endpoint, ' '); i >= 0 {
		endpoint = endpoint[i+1:]
	}
	endpoint = strings.TrimSuffix(endpoint, "{$}")
	if endpoint == "/" && r.URL.Path != "/" || endpoint == "" {
		return "unknown"
	}
	return qdrantParamNames.Replace(endpoint)
}

func (m *metrics) observe(r *http.Request, status int, d time.Duration) {
	k := metricKey{method: r.Method, endpoint: endpointOf(r), status: status, collection: r.PathValue("collection")}
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.stats[k]
	if s == nil {
		if len(m.stats) >= maxMetricKeys {
			k = metricKey{method: r.Method, endpoint: "unknown", status: status}
			s = m.stats[k]
		}
		if s == nil {
			s = &opStats{minD: d}
			m.stats[k] = s
		}
	}
	s.count++
	s.total += d
	s.totalSecondsFl += d.Seconds()
	s.minD = min(s.minD, d)
	s.maxD = max(s.maxD, d)
	s.last = now
	for i, b := range durationBuckets {
		if d.Seconds() <= b {
			s.buckets[i]++
		}
	}
}

// aggregate returns the statistics by key, with collections folded
// together unless perCollection.
func (m *metrics) aggregate(perCollection bool) map[metricKey]*opStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[metricKey]*opStats, len(m.stats))
	for k, s := range m.stats {
		if !perCollection {
			k.collection = ""
		}
		a := out[k]
		if a == nil {
			c := *s
			out[k] = &c
			continue
		}
		a.count += s.count
		a.total += s.total
		a.totalSecondsFl += s.totalSecondsFl
		a.minD = min(a.minD, s.minD)
		a.maxD = max(a.maxD, s.maxD)
		if s.last.After(a.last) {
			a.last = s.last
		}
		for i := range a.buckets {
			a.buckets[i] += s.buckets[i]
		}
	}
	return out
}

func sortedMetricKeys(stats map[metricKey]*opStats) []metricKey {
	keys := make([]metricKey, 0, len(stats))
	for k := range stats {
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
		if a.collection != c.collection {
			return a.collection < c.collection
		}
		return a.status < c.status
	})
	return keys
}

func promEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func (h *handler) metricsText(w http.ResponseWriter, r *http.Request) {
	perCollection := r.URL.Query().Get("per_collection") == "true"
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	var b strings.Builder
	metric := func(name, help, typ string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	metric("app_info", "information about qdrant server", "gauge")
	fmt.Fprintf(&b, "app_info{name=\"qdrant\",version=\"%s\"} 1\n", Version)
	names := h.db.Collections()
	vectors := 0
	points := make([]int, len(names))
	for i, n := range names {
		if info, err := h.db.CollectionInfo(r.Context(), n); err == nil {
			points[i] = info.PointsCount
			vectors += info.PointsCount * max(1, len(info.Config.Vectors)+len(info.Config.SparseVectors))
		}
	}
	metric("collections_total", "number of collections", "gauge")
	fmt.Fprintf(&b, "collections_total %d\n", len(names))
	metric("collections_vector_total", "total number of vectors in all collections", "gauge")
	fmt.Fprintf(&b, "collections_vector_total %d\n", vectors)
	metric("collection_points", "approximate amount of points per collection", "gauge")
	for i, n := range names {
		fmt.Fprintf(&b, "collection_points{id=\"%s\"} %d\n", promEscape(n), points[i])
	}

	stats := h.metrics.aggregate(perCollection)
	keys := sortedMetricKeys(stats)
	labels := func(k metricKey, withStatus bool) string {
		l := fmt.Sprintf("method=%q,endpoint=\"%s\"", k.method, promEscape(k.endpoint))
		if withStatus {
			l += ",status=\"" + strconv.Itoa(k.status) + "\""
		}
		if perCollection && k.collection != "" {
			l += ",collection=\"" + promEscape(k.collection) + "\""
		}
		return l
	}
	metric("rest_responses_total", "total number of responses", "counter")
	for _, k := range keys {
		fmt.Fprintf(&b, "rest_responses_total{%s} %d\n", labels(k, true), stats[k].count)
	}
	metric("rest_responses_fail_total", "total number of failed responses", "counter")
	for _, k := range keys {
		if k.status >= 400 {
			fmt.Fprintf(&b, "rest_responses_fail_total{%s} %d\n", labels(k, true), stats[k].count)
		}
	}
	metric("rest_responses_avg_duration_seconds", "average response duration", "gauge")
	for _, k := range keys {
		s := stats[k]
		fmt.Fprintf(&b, "rest_responses_avg_duration_seconds{%s} %g\n", labels(k, true), s.totalSecondsFl/float64(s.count))
	}
	metric("rest_responses_min_duration_seconds", "minimum response duration", "gauge")
	for _, k := range keys {
		fmt.Fprintf(&b, "rest_responses_min_duration_seconds{%s} %g\n", labels(k, true), stats[k].minD.Seconds())
	}
	metric("rest_responses_max_duration_seconds", "maximum response duration", "gauge")
	for _, k := range keys {
		fmt.Fprintf(&b, "rest_responses_max_duration_seconds{%s} %g\n", labels(k, true), stats[k].maxD.Seconds())
	}
	metric("rest_responses_duration_seconds", "response duration histogram", "histogram")
	for _, k := range keys {
		s := stats[k]
		l := labels(k, true)
		for i, ub := range durationBuckets {
			fmt.Fprintf(&b, "rest_responses_duration_seconds_bucket{%s,le=\"%g\"} %d\n", l, ub, s.buckets[i])
		}
		fmt.Fprintf(&b, "rest_responses_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", l, s.count)
		fmt.Fprintf(&b, "rest_responses_duration_seconds_sum{%s} %g\n", l, s.totalSecondsFl)
		fmt.Fprintf(&b, "rest_responses_duration_seconds_count{%s} %d\n", l, s.count)
	}
	_, _ = io.WriteString(w, b.String())
}

// telemetryResponses renders the request statistics as Qdrant's
// WebApiTelemetry.responses: "METHOD /endpoint" -> status ->
// OperationDurationStatistics.
func telemetryResponses(stats map[metricKey]*opStats) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, k := range sortedMetricKeys(stats) {
		s := stats[k]
		name := k.method + " " + k.endpoint
		if out[name] == nil {
			out[name] = map[string]any{}
		}
		st := map[string]any{
			"count":                 s.count,
			"avg_duration_micros":   float64(s.total.Microseconds()) / float64(s.count),
			"min_duration_micros":   float64(s.minD.Microseconds()),
			"max_duration_micros":   float64(s.maxD.Microseconds()),
			"total_duration_micros": s.total.Microseconds(),
			"last_responded":        s.last.UTC().Format(time.RFC3339Nano),
		}
		if k.status >= 400 {
			st["fail_count"] = s.count
		}
		out[name][strconv.Itoa(k.status)] = st
	}
	return out
}
