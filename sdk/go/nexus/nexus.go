// Package nexus is the NexusOS app SDK: what a sealed app imports to query
// MemexFS, call Cortex and write logs. The calls are the same on both
// microVM tiers; only the transport differs (WebAssembly imports in module
// "nexus" on tier 1, reserved system calls on tier 2; see docs/abi.md).
//
//	res, err := nexus.MemexQuery("unpaid invoices last quarter", nexus.Limit(20))
//	if errors.Is(err, nexus.ErrNotAvailable) { ... }  // no MemexFS on this host
//	for _, r := range res { fmt.Println(r.Path, r.Facts["amount"]) }
//
// Each call is checked by the host against the image manifest's
// capabilities; a call the manifest does not grant fails with ErrDenied.
// The same source builds for both tiers: GOOS=wasip1 GOARCH=wasm (tier 1)
// or a static GOOS=linux GOARCH=amd64 CGO_ENABLED=0 program (tier 2).
// Outside a microVM (a native linux/amd64 run, where the kernel answers
// ENOSYS, or any other target) every call fails with ErrNotAvailable, so
// code that uses the SDK still compiles and tests on the host.
//
// The functions are safe for concurrent use by goroutines.
package nexus

import (
	"encoding/json"
	"fmt"

	"nexusos/abi"
)

// Result is one MemexFS query hit. Facts holds extracted facts such as
// "kind", "status", "amount", "currency", "date", "due" and "party".
type Result = abi.Result

// Doc is a MemexFS document: its text and facts.
type Doc = abi.Doc

// Error is a failed host call.
type Error struct {
	Op      string    // the operation, e.g. "memex.query"
	Code    abi.Errno // the ABI error number
	Message string    // the host's explanation
}

func (e *Error) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("nexus: %s: %s: %s", e.Op, e.Code, e.Message)
	}
	return fmt.Sprintf("nexus: %s: %s", e.Op, e.Code)
}

// Is makes errors.Is(err, ErrDenied) and friends match on the error number.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Op == "" && t.Code == e.Code
}

// Sentinel errors to test with errors.Is.
var (
	ErrDenied       = &Error{Code: abi.ErrDenied}       // the manifest does not grant this call
	ErrNotAvailable = &Error{Code: abi.ErrNotAvailable} // the host has no such service (or this is not a microVM)
	ErrNotFound     = &Error{Code: abi.ErrNotFound}     // no such document
	ErrInvalid      = &Error{Code: abi.ErrInvalid}      // the host rejected the request
	ErrUnknownOp    = &Error{Code: abi.ErrUnknownOp}    // the host is older than this SDK
)

// call runs one operation through the tier's transport and decodes a JSON
// response into out (when out is not nil).
func call(op abi.Op, req any, out any) error {
	var body []byte
	switch r := req.(type) {
	case []byte:
		body = r
	default:
		b, err := json.Marshal(req)
		if err != nil {
			return fmt.Errorf("nexus: %s: encode request: %w", op, err)
		}
		body = b
	}
	resp, errno := transport(op, body)
	if errno != abi.OK {
		return &Error{Op: op.String(), Code: errno, Message: string(resp)}
	}
	if out != nil {
		if err := json.Unmarshal(resp, out); err != nil {
			return fmt.Errorf("nexus: %s: decode response: %w", op, err)
		}
	}
	return nil
}

// QueryOption tunes MemexQuery.
type QueryOption func(*abi.QueryRequest)

// Limit asks for at most n results (the host's default is 10, its maximum
// 1000).
func Limit(n int) QueryOption { return func(q *abi.QueryRequest) { q.Limit = n } }

// Folder restricts the search to one MemexFS folder, which must lie inside
// a folder the manifest grants.
func Folder(f string) QueryOption { return func(q *abi.QueryRequest) { q.Folder = f } }

// MemexQuery searches MemexFS by meaning ("unpaid invoices last quarter")
// within the folders the manifest grants. Results come best first.
func MemexQuery(text string, opts ...QueryOption) ([]Result, error) {
	q := abi.QueryRequest{Text: text}
	for _, o := range opts {
		o(&q)
	}
	var r abi.QueryResponse
	if err := call(abi.OpMemexQuery, q, &r); err != nil {
		return nil, err
	}
	return r.Results, nil
}

// MemexGet returns a document's text and facts by id (from a Result).
func MemexGet(id string) (Doc, error) {
	var d Doc
	err := call(abi.OpMemexGet, abi.GetRequest{ID: id}, &d)
	return d, err
}

// GenerateOption tunes Generate.
type GenerateOption func(*abi.GenerateRequest)

// MaxTokens bounds the length of a generation.
func MaxTokens(n int) GenerateOption { return func(g *abi.GenerateRequest) { g.MaxTokens = n } }

// Temperature sets the sampling temperature (0 is greedy).
func Temperature(t float64) GenerateOption {
	return func(g *abi.GenerateRequest) { g.Temperature = t }
}

// Generate asks Cortex to complete prompt.
func Generate(prompt string, opts ...GenerateOption) (string, error) {
	g := abi.GenerateRequest{Prompt: prompt}
	for _, o := range opts {
		o(&g)
	}
	var r abi.GenerateResponse
	if err := call(abi.OpCortexGenerate, g, &r); err != nil {
		return "", err
	}
	return r.Text, nil
}

// Embed asks Cortex for the embedding vector of text.
func Embed(text string) ([]float32, error) {
	var r abi.EmbedResponse
	if err := call(abi.OpCortexEmbed, abi.EmbedRequest{Text: text}, &r); err != nil {
		return nil, err
	}
	return r.Vector, nil
}

// Level is a log level.
type Level byte

// Log levels.
const (
	LevelDebug = Level(abi.LogDebug)
	LevelInfo  = Level(abi.LogInfo)
	LevelWarn  = Level(abi.LogWarn)
	LevelError = Level(abi.LogError)
)

// Log writes one record to the host's log, tagged with the microVM's id and
// app name. Logging needs no capability.
func Log(level Level, msg string) error {
	req := make([]byte, 0, 1+len(msg))
	req = append(req, byte(level))
	req = append(req, msg...)
	return call(abi.OpLog, req, nil)
}
