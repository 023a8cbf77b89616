package node

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// buildNexus builds the nexus binary once per test run.
func buildNexus(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "nexus-bin")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(buildDir, "nexus"), "nexusos/cmd/nexus").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build nexus: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "nexus")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// server is a `nexus serve` child process.
type server struct {
	cmd  *exec.Cmd
	base string // REST base URL
	done chan struct{}
}

// startServer runs `nexus serve` on free ports and waits for its REST
// listener's log line.
func startServer(t *testing.T, bin, home string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--home", home, "--qdrant-http", "127.0.0.1:0", "--qdrant-grpc", "", "--addr", "")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nexus serve: %v", err)
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	addrc := make(chan string, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if i := strings.Index(line, "api=qdrant-rest addr="); i >= 0 {
				select {
				case addrc <- strings.TrimSpace(line[i+len("api=qdrant-rest addr="):]):
				default:
				}
			}
		}
		close(addrc)
	}()
	addr, ok := <-addrc
	if !ok {
		_ = cmd.Wait()
		t.Fatalf("nexus serve exited before listening")
	}
	s.base = "http://" + addr
	t.Cleanup(func() { s.kill() })
	return s
}

// kill sends SIGKILL and reaps the process.
func (s *server) kill() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	_ = s.cmd.Wait()
}

func call(ctx context.Context, method, url string, body any) (int, json.RawMessage, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	_ = json.Unmarshal(raw, &env)
	return resp.StatusCode, env.Result, nil
}

func crashVector(id int) []float32 {
	v := make([]float32, 8)
	for i := range v {
		v[i] = float32((id*7+i*3)%17) / 17
	}
	return v
}

// TestCrashKeepsAcknowledgedWrites kills a real `nexus serve` with SIGKILL
// while a client upserts batches with wait=true, restarts it on the same
// home and checks that every acknowledged point is there with its payload
// and vector.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a real nexus binary; skipped in -short mode")
	}
	bin := buildNexus(t)
	home := filepath.Join(t.TempDir(), "home")
	ctx := context.Background()

	const batch = 25
	acked := map[int]bool{} // acknowledged point ids
	next := 0
	for round := 0; round < 2; round++ {
		s := startServer(t, bin, home)
		if round == 0 {
			code, res, err := call(ctx, "PUT", s.base+"/collections/crash", map[string]any{"vectors": map[string]any{"size": 8, "distance": "Dot"}})
			if err != nil || code != 200 {
				t.Fatalf("create collection: %d %s %v", code, res, err)
			}
		}
		// Write until 20 batches are acknowledged, then kill the server
		// while the writer keeps going.
		var mu sync.Mutex
		enough := make(chan struct{})
		writerDone := make(chan struct{})
		go func() {
			defer close(writerDone)
			for n := 0; ; n++ {
				mu.Lock()
				first := next
				next += batch
				mu.Unlock()
				ids := make([]int, batch)
				vecs := make([][]float32, batch)
				pays := make([]any, batch)
				for i := range ids {
					ids[i] = first + i
					vecs[i] = crashVector(first + i)
					pays[i] = map[string]any{"id": first + i, "round": round, "text": fmt.Sprintf("point %d", first+i)}
				}
				code, _, err := call(ctx, "PUT", s.base+"/collections/crash/points?wait=true",
					map[string]any{"batch": map[string]any{"ids": ids, "vectors": vecs, "payloads": pays}})
				if err != nil || code != 200 {
					return // the server is gone
				}
				mu.Lock()
				for _, id := range ids {
					acked[id] = true
				}
				mu.Unlock()
				if n == 20 {
					close(enough)
				}
			}
		}()
		select {
		case <-enough:
		case <-writerDone:
			t.Fatalf("round %d: writer stopped before 20 acknowledged batches", round)
		}
		s.kill()
		<-writerDone
	}

	// Both writers have stopped: acked is no longer shared.
	s := startServer(t, bin, home)
	ids := make([]int, 0, len(acked))
	for id := range acked {
		ids = append(ids, id)
	}
	t.Logf("%d acknowledged points across 2 kill -9 rounds", len(ids))
	for lo := 0; lo < len(ids); lo += 200 {
		chunk := ids[lo:min(lo+200, len(ids))]
		code, res, err := call(ctx, "POST", s.base+"/collections/crash/points", map[string]any{"ids": chunk, "with_payload": true, "with_vector": true})
		if err != nil || code != 200 {
			t.Fatalf("retrieve after restart: %d %v", code, err)
		}
		var recs []struct {
			ID      int            `json:"id"`
			Payload map[string]any `json:"payload"`
			Vector  []float32      `json:"vector"`
		}
		if err := json.Unmarshal(res, &recs); err != nil {
			t.Fatalf("decode records: %v", err)
		}
		got := map[int]bool{}
		for _, r := range recs {
			got[r.ID] = true
			if r.Payload["id"] != float64(r.ID) || r.Payload["text"] != fmt.Sprintf("point %d", r.ID) {
				t.Errorf("point %d: payload %v", r.ID, r.Payload)
			}
			want := crashVector(r.ID)
			for i := range want {
				if len(r.Vector) != len(want) || r.Vector[i] != want[i] {
					t.Errorf("point %d: vector %v, want %v", r.ID, r.Vector, want)
					break
				}
			}
		}
		for _, id := range chunk {
			if !got[id] {
				t.Errorf("acknowledged point %d lost after kill -9", id)
			}
		}
	}
}

// TestServeDemoAndGracefulStop runs `nexus serve --demo` as a user would,
// waits for the demo's last line, then sends SIGTERM and expects a clean
// exit that closes the engine.
func TestServeDemoAndGracefulStop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a real nexus binary; skipped in -short mode")
	}
	bin := buildNexus(t)
	cmd := exec.Command(bin, "serve", "--demo", "--home", t.TempDir(),
		"--qdrant-http", "127.0.0.1:0", "--qdrant-grpc", "127.0.0.1:0", "--addr", "127.0.0.1:0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "demo done") {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("nexus serve after SIGTERM: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), stderr.String())
	}
	for _, want := range []string{"4. filtered query", "5. hybrid query", "demo done"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	for _, want := range []string{"api=qdrant-rest", "api=qdrant-grpc", "api=node", "shutting down", "vector engine closed"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, stderr.String())
		}
	}
}
