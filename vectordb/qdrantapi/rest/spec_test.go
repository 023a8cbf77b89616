package rest

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// spec validates response bodies against Qdrant's openapi documents in
// testdata (v1.19.0 first, v1.18.3 for the legacy endpoints v1.19 dropped).
type spec struct {
	name  string
	paths map[string]map[string]any // template -> method -> operation
	comp  *jsonschema.Compiler
	url   string

	mu     sync.Mutex
	cached map[string]*jsonschema.Schema // "METHOD template code" -> schema
}

var (
	specsOnce sync.Once
	specs     []*spec
	specsErr  error
)

func loadSpecs(t testing.TB) []*spec {
	t.Helper()
	specsOnce.Do(func() {
		for _, name := range []string{"openapi-v1.19.0.json", "openapi-v1.18.3.json"} {
			s, err := loadSpec(name)
			if err != nil {
				specsErr = err
				return
			}
			specs = append(specs, s)
		}
	})
	if specsErr != nil {
		t.Fatalf("load openapi specs: %v", specsErr)
	}
	return specs
}

func loadSpec(name string) (*spec, error) {
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	root := doc.(map[string]any)
	// OpenAPI 3.0 spells "may be null" as `nullable: true`; JSON Schema
	// needs the null type listed.
	fixNullable(root)
	paths := map[string]map[string]any{}
	for p, ops := range root["paths"].(map[string]any) {
		paths[p] = map[string]any{}
		for m, op := range ops.(map[string]any) {
			paths[p][strings.ToUpper(m)] = op
		}
	}
	// Hoist every response schema to a pointer-friendly location.
	ops := map[string]any{}
	i := 0
	for p, byMethod := range paths {
		for m, op := range byMethod {
			resps, _ := op.(map[string]any)["responses"].(map[string]any)
			for code, r := range resps {
				c, _ := r.(map[string]any)["content"].(map[string]any)
				js, _ := c["application/json"].(map[string]any)
				if sch, ok := js["schema"]; ok {
					key := fmt.Sprintf("op%d", i)
					i++
					ops[key] = sch
					js["x-key"] = key
				}
				_ = code
			}
			_ = p
			_ = m
		}
	}
	root["x-ops"] = ops
	c := jsonschema.NewCompiler()
	url := "file:///" + name
	if err := c.AddResource(url, root); err != nil {
		return nil, err
	}
	return &spec{name: name, paths: paths, comp: c, url: url, cached: map[string]*jsonschema.Schema{}}, nil
}

// fixNullable rewrites {"type": T, "nullable": true} to {"type": [T,
// "null"]} and a bare {"nullable": true} (used as an anyOf branch) to
// {"type": "null"}.
func fixNullable(v any) {
	switch x := v.(type) {
	case map[string]any:
		if n, ok := x["nullable"].(bool); ok && n {
			delete(x, "nullable")
			if t, ok := x["type"].(string); ok {
				x["type"] = []any{t, "null"}
				if e, ok := x["enum"].([]any); ok {
					x["enum"] = append(e, nil)
				}
			} else if len(x) == 0 || (len(x) == 1 && x["description"] != nil) {
				x["type"] = "null"
			}
		}
		for _, c := range x {
			fixNullable(c)
		}
	case []any:
		for _, c := range x {
			fixNullable(c)
		}
	}
}

// match finds the path template matching path; literal segments beat
// parameters.
func (s *spec) match(method, path string) (string, map[string]any, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	best, bestScore := "", -1
	for tpl, byMethod := range s.paths {
		if _, ok := byMethod[method]; !ok {
			continue
		}
		ts := strings.Split(strings.Trim(tpl, "/"), "/")
		if len(ts) != len(segs) {
			continue
		}
		score := 0
		ok := true
		for i := range ts {
			if strings.HasPrefix(ts[i], "{") {
				continue
			}
			if ts[i] != segs[i] {
				ok = false
				break
			}
			score++
		}
		if ok && score > bestScore {
			best, bestScore = tpl, score
		}
	}
	if bestScore < 0 {
		return "", nil, false
	}
	return best, s.paths[best][method].(map[string]any), true
}

func (s *spec) schemaFor(method, tpl string, op map[string]any, code int) (*jsonschema.Schema, error) {
	resps := op["responses"].(map[string]any)
	codeKey := fmt.Sprint(code)
	r, ok := resps[codeKey]
	if !ok && code >= 400 && code < 500 {
		r, ok = resps["4XX"]
		codeKey = "4XX"
	}
	if !ok {
		r, ok = resps["default"]
		codeKey = "default"
	}
	if !ok {
		return nil, fmt.Errorf("%s %s: no response %d in %s", method, tpl, code, s.name)
	}
	c, _ := r.(map[string]any)["content"].(map[string]any)
	js, _ := c["application/json"].(map[string]any)
	key, _ := js["x-key"].(string)
	if key == "" {
		return nil, nil // not a JSON response
	}
	ck := method + " " + tpl + " " + codeKey
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch := s.cached[ck]; sch != nil {
		return sch, nil
	}
	sch, err := s.comp.Compile(s.url + "#/x-ops/" + key)
	if err != nil {
		return nil, fmt.Errorf("compile schema of %s %s %s: %w", method, tpl, codeKey, err)
	}
	s.cached[ck] = sch
	return sch, nil
}

// validateResponse checks body against the response schema of the
// operation that serves method+path with code. It returns the spec used.
func validateResponse(t testing.TB, method, path string, code int, body []byte) string {
	t.Helper()
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	for _, s := range loadSpecs(t) {
		tpl, op, ok := s.match(method, path)
		if !ok {
			continue
		}
		sch, err := s.schemaFor(method, tpl, op, code)
		if err != nil {
			t.Fatalf("%v", err)
		}
		if sch == nil {
			return s.name
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s %s: response is not JSON: %v: %.300s", method, path, err, body)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s %s (%d) does not match %s %s: %#v\nbody: %.1500s", method, path, code, s.name, tpl, err, body)
		}
		return s.name
	}
	if code >= 400 {
		s := loadSpecs(t)[0]
		sch, err := s.comp.Compile(s.url + "#/components/schemas/ErrorResponse")
		if err != nil {
			t.Fatalf("compile ErrorResponse: %v", err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s %s: error answer is not JSON: %v: %.300s", method, path, err, body)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s %s (%d) is not an ErrorResponse: %#v", method, path, code, err)
		}
		return s.name
	}
	t.Fatalf("%s %s: no operation in the openapi specs", method, path)
	return ""
}

func TestSpecValidatorRejectsWrongShapes(t *testing.T) {
	// The validator must catch a wrong shape, or the other tests prove
	// nothing.
	bad := []struct{ method, path, body string }{
		{"GET", "/collections", `{"result":{"collections":[{"nom":"x"}]},"status":"ok","time":0}`},
		{"GET", "/collections/x/exists", `{"result":{"exists":"yes"},"status":"ok","time":0}`},
		{"POST", "/collections/x/points/query", `{"result":{"points":[{"id":-1,"score":1,"version":0}]},"status":"ok","time":0}`},
		{"POST", "/collections/x/points/search", `{"result":[{"id":1,"version":0}],"status":"ok","time":0}`},
	}
	for _, b := range bad {
		ft := &fakeT{}
		validateResponse(ft, b.method, b.path, 200, []byte(b.body))
		if !ft.failed {
			t.Errorf("%s %s: wrong body %s accepted", b.method, b.path, b.body)
		}
	}
	good := `{"result":{"points":[{"id":1,"score":0.5,"version":0,"payload":null,"vector":null}]},"status":"ok","time":0.1}`
	validateResponse(t, "POST", "/collections/x/points/query", 200, []byte(good))
	if got := validateResponse(t, "POST", "/collections/x/points/recommend", 200, []byte(`{"result":[],"status":"ok","time":0}`)); got != "openapi-v1.18.3.json" {
		t.Errorf("legacy recommend validated against %s, want v1.18.3", got)
	}
}

// fakeT records failures instead of failing the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Fatalf(string, ...any) { f.failed = true }
func (f *fakeT) Logf(string, ...any)   {}
func (f *fakeT) Name() string          { return "fake" }
