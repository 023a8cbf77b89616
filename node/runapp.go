package node

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"nexusos/memex"
	"nexusos/microvm"
	"nexusos/microvm/hostsvc"
	"nexusos/microvm/image"
	"nexusos/microvm/launcher"
	"nexusos/node/api"
	"nexusos/vectordb"
)

// AppQuery asks an app to answer a question: `nexus memex query --app`.
type AppQuery struct {
	App   string // image name
	Query string
	// Node is the node API to run through ("http://127.0.0.1:7777");
	// when it does not answer, the app runs in this process over Home.
	Node   string
	APIKey string
	Home   string
	Stdout io.Writer
	Stderr io.Writer
}

// RunAppQuery runs q.App in a microVM over the files that answer q.Query
// and copies its output to q.Stdout. On a running node (q.Node answers)
// the node runs it and its output is streamed; otherwise the app runs in
// this process, opening the index under q.Home (which fails while a node
// owns it). The returned status says how the app ended.
func RunAppQuery(ctx context.Context, q AppQuery) (microvm.Status, error) {
	if q.Stdout == nil {
		q.Stdout = io.Discard
	}
	if q.Stderr == nil {
		q.Stderr = io.Discard
	}
	if q.Node != "" && nodeAnswers(ctx, q.Node) {
		return runRemote(ctx, q)
	}
	return runLocal(ctx, q)
}

func nodeAnswers(ctx context.Context, base string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(base, "/")+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func apiRequest(ctx context.Context, q AppQuery, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(q.Node, "/")+path, rd)
	if err != nil {
		return nil, err
	}
	if q.APIKey != "" {
		req.Header.Set("api-key", q.APIKey)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("node %s: %s %s: %w", q.Node, method, path, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var e struct{ Error string }
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("node %s: %s", q.Node, e.Error)
		}
		return nil, fmt.Errorf("node %s: %s %s: %s", q.Node, method, path, resp.Status)
	}
	return resp, nil
}

// runRemote starts the app on the node and follows its log stream.
func runRemote(ctx context.Context, q AppQuery) (microvm.Status, error) {
	resp, err := apiRequest(ctx, q, "POST", "/v1/apps/"+url.PathEscape(q.App)+"/run", api.RunRequest{Query: q.Query})
	if err != nil {
		return microvm.Status{}, err
	}
	var st microvm.Status
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil {
		return st, fmt.Errorf("node %s: run %s: %w", q.Node, q.App, err)
	}
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(q.Node, "/")+"/v1/vms/"+url.PathEscape(st.ID)+"/logs", nil)
	if err != nil {
		return st, err
	}
	req.Header.Set("Accept", "text/event-stream")
	if q.APIKey != "" {
		req.Header.Set("api-key", q.APIKey)
	}
	lr, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("node %s: logs of %s: %w", q.Node, st.ID, err)
	}
	defer lr.Body.Close()
	sc := bufio.NewScanner(lr.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	event := ""
stream:
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "":
			fmt.Fprintln(q.Stdout, strings.TrimPrefix(line, "data: "))
		case line == "":
			if event == "end" || event == "error" {
				break stream
			}
			event = ""
		}
	}
	resp, err = apiRequest(ctx, q, "GET", "/v1/vms/"+url.PathEscape(st.ID)+"/wait", nil)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("node %s: status of %s: %w", q.Node, st.ID, err)
	}
	return st, nil
}

// runLocal runs the app in this process over the index under q.Home.
func runLocal(ctx context.Context, q AppQuery) (microvm.Status, error) {
	store, err := image.OpenStore(filepath.Join(q.Home, "images"))
	if err != nil {
		return microvm.Status{}, err
	}
	p, err := launcher.Resolver(store)(ctx, q.App)
	if err != nil {
		if errors.Is(err, microvm.ErrNoSuchImage) {
			return microvm.Status{}, fmt.Errorf("no app %q in %s: seal it with nexus build (or start nexus up in the source tree): %w", q.App, store.Dir(), err)
		}
		return microvm.Status{}, err
	}
	var svc microvm.Services
	if _, err := os.Stat(filepath.Join(q.Home, "memex")); err == nil {
		db, err := vectordb.Open(filepath.Join(q.Home, "vectordb"), vectordb.Options{})
		if err != nil {
			return microvm.Status{}, fmt.Errorf("open the index in %s (is a node running on another address? pass --node): %w", q.Home, err)
		}
		defer db.Close()
		m, err := memex.Open(ctx, memex.Options{Dir: filepath.Join(q.Home, "memex"), DB: db})
		if err != nil {
			return microvm.Status{}, err
		}
		defer m.Close()
		svc.Memex = hostsvc.Memex{M: m}
	}
	eng, err := launcher.NewEngine(ctx, store, nil, 0) // either tier, from the manifest
	if err != nil {
		return microvm.Status{}, err
	}
	defer eng.Close(context.WithoutCancel(ctx))
	var args []string
	if q.Query != "" {
		args = []string{q.Query}
	}
	return eng.Run(ctx, p, microvm.RunConfig{Args: args, Stdout: q.Stdout, Stderr: q.Stderr, Services: svc})
}
