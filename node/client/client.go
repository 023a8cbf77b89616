// Package client is the typed client of a running node's API (the node
// API of `nexus up` and `nexus serve`, docs/api.md): status, MemexFS
// questions, apps and their microVMs. The CLI talks to a node only
// through it.
//
//	c := client.New("127.0.0.1:7777", os.Getenv("NEXUS_API_KEY"))
//	st, err := c.Status(ctx)
//	ans, err := c.Query(ctx, client.Question{Text: "unpaid invoices"})
//
// A Client is safe for concurrent use.
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"nexusos/memex"
	"nexusos/microvm"
	"nexusos/node/api"
)

// DefaultBase is the node API address of `nexus up` and `nexus serve`.
const DefaultBase = "http://127.0.0.1:7777"

// maxErrorBody bounds the error body read from a failed request;
// maxAnswerBody a MemexFS answer.
const (
	maxErrorBody  = 64 << 10
	maxAnswerBody = 64 << 20
)

// Client calls one node's API.
type Client struct {
	base   string // "http://host:port", no trailing slash
	apiKey string
	http   *http.Client
}

// New returns a client of the node at base ("http://127.0.0.1:7777", or
// "127.0.0.1:7777"), sending apiKey in the api-key header when it is not
// empty.
func New(base, apiKey string) *Client {
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	return &Client{base: strings.TrimSuffix(base, "/"), apiKey: apiKey, http: http.DefaultClient}
}

// Base is the node's address, with its scheme.
func (c *Client) Base() string { return c.base }

// Error is a request the node answered with an error status.
type Error struct {
	Base, Method, Path string
	Code               int    // HTTP status code
	Status             string // HTTP status line ("404 Not Found")
	Message            string // the node's {"error": ...}, when it sent one
}

func (e *Error) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("node %s: %s", e.Base, e.Message)
	}
	return fmt.Sprintf("node %s: %s %s: %s", e.Base, e.Method, e.Path, e.Status)
}

// do sends a request and returns the response of a successful one; the
// caller closes its body.
func (c *Client) do(ctx context.Context, method, path string, body any, accept string) (*http.Response, error) {
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
	if c.apiKey != "" {
		req.Header.Set("api-key", c.apiKey)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("node %s: %s %s: %w", c.base, method, path, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		e := &Error{Base: c.base, Method: method, Path: path, Code: resp.StatusCode, Status: resp.Status}
		var msg struct{ Error string }
		if json.Unmarshal(b, &msg) == nil {
			e.Message = msg.Error
		}
		return nil, e
	}
	return resp, nil
}

// call decodes a successful answer into out; what names the call in
// a decoding error.
func (c *Client) call(ctx context.Context, method, path string, body, out any, what string) error {
	resp, err := c.do(ctx, method, path, body, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAnswerBody)).Decode(out); err != nil {
		return fmt.Errorf("node %s: %s: %w", c.base, what, err)
	}
	return nil
}

// Healthy reports whether the node answers GET /healthz within a second.
func (c *Client) Healthy(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Status is GET /v1/status.
func (c *Client) Status(ctx context.Context) (api.Status, error) {
	var st api.Status
	err := c.call(ctx, http.MethodGet, "/v1/status", nil, &st, "status")
	return st, err
}

// Question is a MemexFS question (GET /v1/memex/query).
type Question struct {
	Text  string
	Limit int    // most files (0: the node's default)
	Now   string // reference day for relative dates, YYYY-MM-DD ("": today)
}

// Query asks the node's MemexFS a question.
func (c *Client) Query(ctx context.Context, q Question) (*memex.Answer, error) {
	v := url.Values{"q": {q.Text}}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Now != "" {
		v.Set("now", q.Now)
	}
	var ans memex.Answer
	if err := c.call(ctx, http.MethodGet, "/v1/memex/query?"+v.Encode(), nil, &ans, "decode the answer"); err != nil {
		return nil, err
	}
	return &ans, nil
}

// Apps lists the node's sealed apps (GET /v1/apps); never nil on success.
func (c *Client) Apps(ctx context.Context) ([]api.App, error) {
	var out struct {
		Apps []api.App `json:"apps"`
	}
	if err := c.call(ctx, http.MethodGet, "/v1/apps", nil, &out, "apps"); err != nil {
		return nil, err
	}
	if out.Apps == nil {
		return nil, fmt.Errorf("node %s: apps: no app list", c.base)
	}
	return out.Apps, nil
}

// RunApp starts the sealed app name on the node (POST
// /v1/apps/{name}/run) and returns its microVM's status at start.
func (c *Client) RunApp(ctx context.Context, name string, req api.RunRequest) (microvm.Status, error) {
	var st microvm.Status
	err := c.call(ctx, http.MethodPost, "/v1/apps/"+url.PathEscape(name)+"/run", req, &st, "run "+name)
	return st, err
}

// Wait blocks until the microVM id has ended and returns its final
// status (GET /v1/vms/{id}/wait).
func (c *Client) Wait(ctx context.Context, id string) (microvm.Status, error) {
	var st microvm.Status
	err := c.call(ctx, http.MethodGet, "/v1/vms/"+url.PathEscape(id)+"/wait", nil, &st, "status of "+id)
	return st, err
}

// FollowLogs copies the live output of microVM id to w, one line per
// log line, until the microVM ends (GET /v1/vms/{id}/logs as an event
// stream) or ctx is done.
func (c *Client) FollowLogs(ctx context.Context, id string, w io.Writer) error {
	resp, err := c.do(ctx, http.MethodGet, "/v1/vms/"+url.PathEscape(id)+"/logs", nil, "text/event-stream")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "":
			fmt.Fprintln(w, strings.TrimPrefix(line, "data: "))
		case line == "":
			if event == "end" || event == "error" {
				return nil
			}
			event = ""
		}
	}
	return nil
}

// VMs is the client of the node's microVM API (/v1/vms): start, list,
// logs, stop, wait.
func (c *Client) VMs() *microvm.Client {
	vc := &microvm.Client{Base: c.base + "/v1/vms"}
	if c.apiKey != "" {
		vc.HTTP = &http.Client{Transport: keyTransport{key: c.apiKey, next: http.DefaultTransport}}
	}
	return vc
}

// keyTransport adds the api-key header to every request.
type keyTransport struct {
	key  string
	next http.RoundTripper
}

func (t keyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("api-key", t.key)
	return t.next.RoundTrip(r)
}
