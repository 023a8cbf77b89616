// Package abi defines the NexusOS application ABI (docs/abi.md): the
// operation codes, error numbers and message types that an app exchanges
// with the host to reach MemexFS, Cortex and the log, and the two
// transports that carry them: the imports of WebAssembly module "nexus"
// (tier 1) and reserved system-call numbers (tier 2).
//
// It is the one leaf package shared by the host (package microvm and its
// tiers, the library OS in hyper/libos) and the app SDK (sdk/go/nexus), so
// it sits below both tiers, imports nothing but the standard library and
// compiles for every target an app is built for (wasip1, linux/amd64).
//
// A call is transport-independent: an operation code and a request payload
// go in; an error number and a response payload come out.
//
// The package holds only constants, plain types and pure functions; it is
// safe for concurrent use.
package abi

import (
	"fmt"
	"strings"
)

// Version is the ABI version this package describes. Additive changes
// (new operations, new optional JSON fields) keep the version; anything that
// changes the meaning of an existing operation or the transport layout
// bumps it, and the transport functions get new names (call2, ...).
const Version = 1

// ModuleName is the WebAssembly import module that tier 1 host functions
// live in.
const ModuleName = "nexus"

// Names of the tier 1 host functions in module "nexus".
const (
	FuncCall       = "call"        // (op, req_ptr, req_len, resp_ptr, resp_cap, resp_len_ptr i32) -> errno i32
	FuncTake       = "take"        // (ptr, len i32) -> errno i32
	FuncABIVersion = "abi_version" // () -> i32
)

// Reserved system-call numbers of the tier 2 transport (docs/abi.md,
// "Tier 2 transport"). The library OS of a KVM microVM serves them; Linux
// answers ENOSYS, which is how an app learns it is not inside a tier-2
// microVM. The numbers (ASCII "NX" in the upper half) lie far above
// Linux's range. They mirror the tier 1 functions:
//
//	rax                 rdi  rsi      rdx      r10       r8        r9            result
//	SysNexusABIVersion  -    -        -        -         -         -             Version
//	SysNexusCall        op   req_ptr  req_len  resp_ptr  resp_cap  resp_len_ptr  errno (>= 0)
//	SysNexusTake        ptr  len      -        -         -         -             errno (>= 0)
//
// SysNexusCall always stores the response length (u32, little endian) at
// resp_len_ptr and copies the response to resp_ptr if it fits in resp_cap
// bytes; otherwise the calling thread fetches it with SysNexusTake(ptr,
// len), with len exactly that length, before its next call. Results are
// Errno values, never negative: a bad pointer is ErrFault.
const (
	SysNexusABIVersion = 0x4e58_0000
	SysNexusCall       = 0x4e58_0001
	SysNexusTake       = 0x4e58_0002
)

// Limits on message sizes. A request larger than MaxRequest fails with
// ErrTooLarge before the host reads it; a response larger than MaxResponse
// is never produced.
const (
	MaxRequest  = 1 << 20
	MaxResponse = 16 << 20
)

// Op is an operation code: which host service a call asks for.
type Op uint32

// The operations of ABI version 1.
const (
	// OpLog writes one log record. Request: one level byte (LogDebug...
	// LogError) followed by the UTF-8 message. Response: empty.
	OpLog Op = 1
	// OpMemexQuery searches MemexFS. Request: QueryRequest (JSON).
	// Response: QueryResponse (JSON). Capability: memex.
	OpMemexQuery Op = 2
	// OpMemexGet fetches one document's text and facts. Request:
	// GetRequest (JSON). Response: Doc (JSON). Capability: memex.
	OpMemexGet Op = 3
	// OpCortexGenerate completes a prompt. Request: GenerateRequest (JSON).
	// Response: GenerateResponse (JSON). Capability: cortex.
	OpCortexGenerate Op = 4
	// OpCortexEmbed embeds a text. Request: EmbedRequest (JSON). Response:
	// EmbedResponse (JSON). Capability: cortex.
	OpCortexEmbed Op = 5
)

var opNames = map[Op]string{
	OpLog:            "log",
	OpMemexQuery:     "memex.query",
	OpMemexGet:       "memex.get",
	OpCortexGenerate: "cortex.generate",
	OpCortexEmbed:    "cortex.embed",
}

func (o Op) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return fmt.Sprintf("op(%d)", uint32(o))
}

// Log levels carried in the first byte of an OpLog request.
const (
	LogDebug byte = 0
	LogInfo  byte = 1
	LogWarn  byte = 2
	LogError byte = 3
)

// Errno is the result code of a call. OK is zero; on any other value the
// response payload is a UTF-8 message explaining the error.
type Errno uint32

// The error numbers of ABI version 1. New numbers may be added; apps treat
// unknown numbers as ErrService.
const (
	OK              Errno = 0
	ErrUnknownOp    Errno = 1 // the host does not know this operation (newer app, older host)
	ErrDenied       Errno = 2 // the manifest does not grant the capability
	ErrNotAvailable Errno = 3 // the service is not configured on this host
	ErrInvalid      Errno = 4 // the request is malformed
	ErrNotFound     Errno = 5 // no such document
	ErrTooLarge     Errno = 6 // request or response exceeds the ABI limits
	ErrFault        Errno = 7 // a pointer or length lies outside the app's memory
	ErrService      Errno = 8 // the service failed (details in the message)
	ErrNoResult     Errno = 9 // take was called with no pending response, or with the wrong length
)

var errnoNames = map[Errno]string{
	OK:              "ok",
	ErrUnknownOp:    "unknown operation",
	ErrDenied:       "capability denied",
	ErrNotAvailable: "not available",
	ErrInvalid:      "invalid request",
	ErrNotFound:     "not found",
	ErrTooLarge:     "too large",
	ErrFault:        "bad memory reference",
	ErrService:      "service error",
	ErrNoResult:     "no pending result",
}

func (e Errno) String() string {
	if s, ok := errnoNames[e]; ok {
		return s
	}
	return fmt.Sprintf("errno(%d)", uint32(e))
}

// QueryRequest is the request of OpMemexQuery.
type QueryRequest struct {
	Text   string `json:"text"`
	Limit  int    `json:"limit,omitempty"`  // 0 means the host's default (10)
	Folder string `json:"folder,omitempty"` // restrict to this folder; must lie inside a granted folder
}

// QueryResponse is the response of OpMemexQuery.
type QueryResponse struct {
	Results []Result `json:"results"`
}

// Result is one hit of a MemexFS query.
type Result struct {
	ID      string            `json:"id"`
	Path    string            `json:"path"`
	Score   float64           `json:"score"`
	Snippet string            `json:"snippet,omitempty"`
	Facts   map[string]string `json:"facts,omitempty"` // e.g. kind, status, amount, currency, date, party
}

// GetRequest is the request of OpMemexGet.
type GetRequest struct {
	ID string `json:"id"`
}

// Doc is the response of OpMemexGet: a file's text and facts.
type Doc struct {
	ID    string            `json:"id"`
	Path  string            `json:"path"`
	Text  string            `json:"text"`
	Facts map[string]string `json:"facts,omitempty"`
}

// GenerateRequest is the request of OpCortexGenerate.
type GenerateRequest struct {
	Prompt      string  `json:"prompt"`
	MaxTokens   int     `json:"max_tokens,omitempty"`
	Temperature float64 `json:"temperature,omitempty"`
}

// GenerateResponse is the response of OpCortexGenerate.
type GenerateResponse struct {
	Text string `json:"text"`
}

// EmbedRequest is the request of OpCortexEmbed.
type EmbedRequest struct {
	Text string `json:"text"`
}

// EmbedResponse is the response of OpCortexEmbed.
type EmbedResponse struct {
	Vector []float32 `json:"vector"`
}

// CleanFolder normalises a MemexFS folder name: slash-separated, no
// leading or trailing slash, no "." or ".." elements. It returns false for
// a name that tries to climb out ("..") or is otherwise unusable. The empty
// string (and "/") names the root, which contains every folder.
func CleanFolder(p string) (string, bool) {
	if strings.ContainsRune(p, 0) || strings.Contains(p, "\\") {
		return "", false
	}
	var out []string
	for _, el := range strings.Split(p, "/") {
		switch el {
		case "", ".":
			continue
		case "..":
			return "", false
		}
		out = append(out, el)
	}
	return strings.Join(out, "/"), true
}

// InFolder reports whether path p (a MemexFS path) lies in folder dir.
// Both are cleaned first; a path that cannot be cleaned is in no folder.
func InFolder(p, dir string) bool {
	cp, ok := CleanFolder(p)
	if !ok {
		return false
	}
	cd, ok := CleanFolder(dir)
	if !ok {
		return false
	}
	if cd == "" {
		return true
	}
	return cp == cd || strings.HasPrefix(cp, cd+"/")
}
