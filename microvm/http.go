package microvm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Handler serves the Manager over HTTP. Mount it under a prefix with the
// prefix stripped, for example:
//
//	mux.Handle("/v1/vms/", http.StripPrefix("/v1/vms", mgr.Handler()))
//
// Routes (relative to the mount point; bodies are JSON):
//
//	GET    /              list microVMs                 -> [Status]
//	POST   /              start one (StartRequest)       -> 201 Status
//	GET    /{id}          one microVM's status           -> Status
//	GET    /{id}/logs     its recent output              -> text/plain
//	POST   /{id}/stop     stop it and wait               -> Status
//	GET    /{id}/wait     wait until it ends             -> Status
//
// Errors are {"error": "..."} with 400, 404, 429 or 500.
func (m *Manager) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, m.List())
	})
	mux.HandleFunc("POST /{$}", func(w http.ResponseWriter, r *http.Request) {
		var req StartRequest
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("start request: %w", err))
			return
		}
		if req.Image == "" || len(req.Args) > 256 {
			writeError(w, http.StatusBadRequest, errors.New("start request: image is required, at most 256 args"))
			return
		}
		st, err := m.Start(r.Context(), req)
		if err != nil {
			writeError(w, statusOf(err), err)
			return
		}
		writeJSON(w, http.StatusCreated, st)
	})
	mux.HandleFunc("GET /{id}", func(w http.ResponseWriter, r *http.Request) {
		st, err := m.Get(r.PathValue("id"))
		if err != nil {
			writeError(w, statusOf(err), err)
			return
		}
		writeJSON(w, http.StatusOK, st)
	})
	mux.HandleFunc("GET /{id}/logs", func(w http.ResponseWriter, r *http.Request) {
		b, err := m.Logs(r.PathValue("id"))
		if err != nil {
			writeError(w, statusOf(err), err)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(b)
	})
	mux.HandleFunc("POST /{id}/stop", func(w http.ResponseWriter, r *http.Request) {
		st, err := m.Stop(r.Context(), r.PathValue("id"))
		if err != nil {
			writeError(w, statusOf(err), err)
			return
		}
		writeJSON(w, http.StatusOK, st)
	})
	mux.HandleFunc("GET /{id}/wait", func(w http.ResponseWriter, r *http.Request) {
		st, err := m.Wait(r.Context(), r.PathValue("id"))
		if err != nil {
			writeError(w, statusOf(err), err)
			return
		}
		writeJSON(w, http.StatusOK, st)
	})
	return mux
}

func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrNoSuchVM), errors.Is(err, ErrNoSuchImage):
		return http.StatusNotFound
	case errors.Is(err, ErrTooMany):
		return http.StatusTooManyRequests
	case errors.Is(err, ErrInvalidManifest):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

// Client talks to a Manager's Handler, for example the one `nexus serve`
// mounts at /v1/vms. It is safe for concurrent use.
type Client struct {
	// Base is the mount point, e.g. "http://127.0.0.1:7777/v1/vms".
	Base string
	HTTP *http.Client
}

func (c *Client) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.Base, "/")+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Minute}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("microvm client: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("microvm client: %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return fmt.Errorf("microvm client: %s", e.Error)
		}
		return fmt.Errorf("microvm client: %s %s: %s", method, path, resp.Status)
	}
	if out == nil {
		return nil
	}
	if p, ok := out.(*[]byte); ok {
		*p = b
		return nil
	}
	return json.Unmarshal(b, out)
}

// Start starts a detached microVM.
func (c *Client) Start(ctx context.Context, req StartRequest) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodPost, "/", req, &st)
	return st, err
}

// List lists microVMs.
func (c *Client) List(ctx context.Context) ([]Status, error) {
	var out []Status
	err := c.do(ctx, http.MethodGet, "/", nil, &out)
	return out, err
}

// Get returns one microVM's status.
func (c *Client) Get(ctx context.Context, id string) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodGet, "/"+url.PathEscape(id), nil, &st)
	return st, err
}

// Logs returns a microVM's recent output.
func (c *Client) Logs(ctx context.Context, id string) ([]byte, error) {
	var b []byte
	err := c.do(ctx, http.MethodGet, "/"+url.PathEscape(id)+"/logs", nil, &b)
	return b, err
}

// Stop stops a microVM.
func (c *Client) Stop(ctx context.Context, id string) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodPost, "/"+url.PathEscape(id)+"/stop", nil, &st)
	return st, err
}

// Wait waits for a microVM to end.
func (c *Client) Wait(ctx context.Context, id string) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodGet, "/"+url.PathEscape(id)+"/wait", nil, &st)
	return st, err
}
