//go:build linux && amd64

package libos

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"nexusos/abi"
)

// fakeHost answers MemexFS calls like microvm.Dispatcher would, with a
// document large enough to need abi.SysNexusTake.
type fakeHost struct {
	mu  sync.Mutex
	ops []abi.Op
	log []string
}

func (h *fakeHost) Call(_ context.Context, op abi.Op, req []byte) ([]byte, abi.Errno) {
	h.mu.Lock()
	h.ops = append(h.ops, op)
	h.mu.Unlock()
	switch op {
	case abi.OpLog:
		h.log = append(h.log, string(req[1:]))
		return nil, abi.OK
	case abi.OpMemexQuery:
		var q abi.QueryRequest
		if err := json.Unmarshal(req, &q); err != nil || q.Text != "unpaid invoices" || q.Limit != 3 {
			return []byte("bad query"), abi.ErrInvalid
		}
		b, _ := json.Marshal(abi.QueryResponse{Results: []abi.Result{
			{ID: "d1", Path: "invoices/acme.txt", Score: 0.91, Facts: map[string]string{"kind": "invoice"}},
			{ID: "d2", Path: "invoices/globex.txt", Score: 0.5, Facts: map[string]string{"kind": "invoice"}},
		}})
		return b, abi.OK
	case abi.OpMemexGet:
		b, _ := json.Marshal(abi.Doc{ID: "d1", Path: "invoices/acme.txt", Text: "ACME invoice 42 " + strings.Repeat("x", 40<<10)})
		return b, abi.OK
	}
	return []byte("unknown op"), abi.ErrUnknownOp
}

// TestGoMemexApp runs the Go app that queries MemexFS through the
// reserved system calls, including a response larger than its buffer.
func TestGoMemexApp(t *testing.T) {
	needKVM(t)
	prog := buildGo(t, "examples-kvm/memex-go")
	h := &fakeHost{}
	r := runVM(t, prog, NewConfig().WithArgs("memex-go", "unpaid", "invoices").WithHostCall(h))
	want := "0.91 invoices/acme.txt invoice\n0.50 invoices/globex.txt invoice\n" +
		"best hit invoices/acme.txt: 40976 bytes of text, starts \"ACME invoice 42 xxxx\"\n"
	if r.err != nil || r.res.ExitCode != 0 || r.stdout.String() != want {
		t.Fatalf("Run = %v, exit %d\nstdout:\n%s\nstderr:\n%s", r.err, r.res.ExitCode, r.stdout.String(), r.stderr.String())
	}
	if len(h.log) != 1 || h.log[0] != "memex-go: querying unpaid invoices" {
		t.Errorf("log records %q", h.log)
	}

	// Without services, the app is told so.
	r = runVM(t, prog, NewConfig().WithArgs("memex-go", "x"))
	if r.res.ExitCode != 1 || !strings.Contains(r.stderr.String(), "not available") {
		t.Fatalf("without a host: exit %d, stderr %q", r.res.ExitCode, r.stderr.String())
	}
}
