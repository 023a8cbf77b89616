package microvm

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"

	"nexusos/abi"
)

// DefaultQueryLimit and MaxQueryLimit bound MemexFS query sizes.
const (
	DefaultQueryLimit = 10
	MaxQueryLimit     = 1000
)

// Dispatcher serves the host ABI for one microVM: it decodes a request,
// checks it against the manifest's capabilities and calls the service.
// Both tiers hand it the raw request bytes, so the checks live in one place.
// It is safe for concurrent use.
type Dispatcher struct {
	caps Capabilities
	svc  Services
	vmID string
	app  string
}

// NewDispatcher returns the dispatcher for a microVM of manifest m.
func NewDispatcher(m *Manifest, svc Services, vmID string) *Dispatcher {
	return &Dispatcher{caps: m.Capabilities, svc: svc, vmID: vmID, app: m.Name}
}

// Call runs one ABI call. On success it returns the response and abi.OK;
// otherwise a message (UTF-8) and the error number. req is only read
// during the call. Capabilities are checked before the request is decoded.
func (d *Dispatcher) Call(ctx context.Context, op abi.Op, req []byte) ([]byte, abi.Errno) {
	if len(req) > abi.MaxRequest {
		return fail(abi.ErrTooLarge, "request larger than 1 MiB")
	}
	switch op {
	case abi.OpLog:
		return d.log(ctx, req)
	case abi.OpMemexQuery:
		return d.memexQuery(ctx, req)
	case abi.OpMemexGet:
		return d.memexGet(ctx, req)
	case abi.OpCortexGenerate:
		return d.cortexGenerate(ctx, req)
	case abi.OpCortexEmbed:
		return d.cortexEmbed(ctx, req)
	}
	return errUnknownOp, abi.ErrUnknownOp
}

// Constant messages: the common refusals allocate nothing. Callers must
// not modify the returned slices.
var (
	errNoMemex   = []byte("memex: the manifest grants no MemexFS access")
	errNoCortex  = []byte("cortex: the manifest does not grant Cortex")
	errUnknownOp = []byte("unknown operation for ABI version 1 on this host")
)

func fail(e abi.Errno, msg string) ([]byte, abi.Errno) { return []byte(msg), e }

func reply(v any) ([]byte, abi.Errno) {
	b, err := json.Marshal(v)
	if err != nil {
		return fail(abi.ErrService, "encode response: "+err.Error())
	}
	if len(b) > abi.MaxResponse {
		return fail(abi.ErrTooLarge, "response larger than 16 MiB")
	}
	return b, abi.OK
}

func serviceError(op abi.Op, err error) ([]byte, abi.Errno) {
	switch {
	case errors.Is(err, ErrNotFound):
		return fail(abi.ErrNotFound, op.String()+": not found")
	case errors.Is(err, ErrNotAvailable):
		return fail(abi.ErrNotAvailable, strings.TrimSuffix(err.Error(), ": "+ErrNotAvailable.Error()))
	}
	return fail(abi.ErrService, op.String()+": "+err.Error())
}

func (d *Dispatcher) log(ctx context.Context, req []byte) ([]byte, abi.Errno) {
	if len(req) == 0 {
		return fail(abi.ErrInvalid, "log: empty request")
	}
	lvl := slog.LevelInfo
	switch req[0] {
	case abi.LogDebug:
		lvl = slog.LevelDebug
	case abi.LogInfo:
	case abi.LogWarn:
		lvl = slog.LevelWarn
	case abi.LogError:
		lvl = slog.LevelError
	default:
		return fail(abi.ErrInvalid, "log: unknown level")
	}
	const maxLog = 64 << 10
	msg := req[1:]
	if len(msg) > maxLog {
		msg = msg[:maxLog]
	}
	if l := d.svc.Logger; l != nil && l.Enabled(ctx, lvl) {
		l.Log(ctx, lvl, string(msg), "vm", d.vmID, "app", d.app)
	}
	return nil, abi.OK
}

// memexFolders returns the folders a query may search: the grant, narrowed
// to folder when the request names one.
func (d *Dispatcher) memexFolders(folder string) ([]string, abi.Errno, string) {
	g := d.caps.Memex
	var granted []string
	for _, f := range g.Folders {
		if c, ok := abi.CleanFolder(f); ok {
			granted = append(granted, c)
		}
	}
	if len(granted) == 0 {
		return nil, abi.ErrDenied, "memex: the manifest grants no MemexFS folder"
	}
	if folder == "" {
		return granted, abi.OK, ""
	}
	want, ok := abi.CleanFolder(folder)
	if !ok {
		return nil, abi.ErrInvalid, "memex: bad folder name"
	}
	for _, f := range granted {
		if abi.InFolder(want, f) {
			return []string{want}, abi.OK, ""
		}
	}
	return nil, abi.ErrDenied, "memex: folder " + want + " is not granted"
}

func (d *Dispatcher) allowedPath(p string) bool {
	if d.caps.Memex == nil {
		return false
	}
	for _, f := range d.caps.Memex.Folders {
		if abi.InFolder(p, f) {
			return true
		}
	}
	return false
}

func (d *Dispatcher) memexQuery(ctx context.Context, req []byte) ([]byte, abi.Errno) {
	if d.caps.Memex == nil {
		return errNoMemex, abi.ErrDenied
	}
	var q abi.QueryRequest
	if err := json.Unmarshal(req, &q); err != nil {
		return fail(abi.ErrInvalid, "memex.query: "+err.Error())
	}
	folders, e, msg := d.memexFolders(q.Folder)
	if e != abi.OK {
		return fail(e, msg)
	}
	if d.svc.Memex == nil {
		return fail(abi.ErrNotAvailable, "memex.query: MemexFS is not available on this host")
	}
	if q.Limit < 0 || q.Limit > MaxQueryLimit {
		return fail(abi.ErrInvalid, "memex.query: limit out of range 0..1000")
	}
	if q.Limit == 0 {
		q.Limit = DefaultQueryLimit
	}
	rs, err := d.svc.Memex.Query(ctx, q.Text, QueryOptions{Limit: q.Limit, Folders: folders})
	if err != nil {
		return serviceError(abi.OpMemexQuery, err)
	}
	out := abi.QueryResponse{Results: make([]abi.Result, 0, len(rs))}
	for _, r := range rs {
		// Defence in depth: a service that ignores Folders still cannot
		// leak a document outside the grant.
		if !inAny(r.Path, folders) {
			continue
		}
		out.Results = append(out.Results, abi.Result{ID: r.ID, Path: r.Path, Score: r.Score, Snippet: r.Snippet, Facts: r.Facts})
		if len(out.Results) == q.Limit {
			break
		}
	}
	return reply(out)
}

func inAny(p string, folders []string) bool {
	for _, f := range folders {
		if abi.InFolder(p, f) {
			return true
		}
	}
	return false
}

func (d *Dispatcher) memexGet(ctx context.Context, req []byte) ([]byte, abi.Errno) {
	if d.caps.Memex == nil {
		return errNoMemex, abi.ErrDenied
	}
	var q abi.GetRequest
	if err := json.Unmarshal(req, &q); err != nil {
		return fail(abi.ErrInvalid, "memex.get: "+err.Error())
	}
	if d.svc.Memex == nil {
		return fail(abi.ErrNotAvailable, "memex.get: MemexFS is not available on this host")
	}
	if q.ID == "" {
		return fail(abi.ErrInvalid, "memex.get: empty id")
	}
	doc, err := d.svc.Memex.Get(ctx, q.ID)
	if err != nil {
		return serviceError(abi.OpMemexGet, err)
	}
	if !d.allowedPath(doc.Path) {
		// Same answer as a missing document: an app must not learn what
		// exists outside its grant.
		return fail(abi.ErrNotFound, "memex.get: not found")
	}
	return reply(abi.Doc{ID: doc.ID, Path: doc.Path, Text: doc.Text, Facts: doc.Facts})
}

func (d *Dispatcher) cortexGenerate(ctx context.Context, req []byte) ([]byte, abi.Errno) {
	if !d.caps.Cortex {
		return errNoCortex, abi.ErrDenied
	}
	var q abi.GenerateRequest
	if err := json.Unmarshal(req, &q); err != nil {
		return fail(abi.ErrInvalid, "cortex.generate: "+err.Error())
	}
	if d.svc.Cortex == nil {
		return fail(abi.ErrNotAvailable, "cortex.generate: no model is configured on this host")
	}
	if q.MaxTokens < 0 || q.MaxTokens > 1<<16 {
		return fail(abi.ErrInvalid, "cortex.generate: max_tokens out of range")
	}
	text, err := d.svc.Cortex.Generate(ctx, q.Prompt, GenerateOptions{MaxTokens: q.MaxTokens, Temperature: q.Temperature})
	if err != nil {
		return serviceError(abi.OpCortexGenerate, err)
	}
	return reply(abi.GenerateResponse{Text: text})
}

func (d *Dispatcher) cortexEmbed(ctx context.Context, req []byte) ([]byte, abi.Errno) {
	if !d.caps.Cortex {
		return errNoCortex, abi.ErrDenied
	}
	var q abi.EmbedRequest
	if err := json.Unmarshal(req, &q); err != nil {
		return fail(abi.ErrInvalid, "cortex.embed: "+err.Error())
	}
	if d.svc.Cortex == nil {
		return fail(abi.ErrNotAvailable, "cortex.embed: no model is configured on this host")
	}
	v, err := d.svc.Cortex.Embed(ctx, q.Text)
	if err != nil {
		return serviceError(abi.OpCortexEmbed, err)
	}
	return reply(abi.EmbedResponse{Vector: v})
}
