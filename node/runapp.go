package node

import (
	"context"
	"errors"
	"fmt"
	"io"

	"nexusos/microvm"
	"nexusos/microvm/launcher"
	"nexusos/node/api"
	"nexusos/node/client"
	"nexusos/node/home"
	"nexusos/node/runtime"
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
	if q.Node != "" {
		if c := client.New(q.Node, q.APIKey); c.Healthy(ctx) {
			return runRemote(ctx, c, q)
		}
	}
	return runLocal(ctx, q)
}

// runRemote starts the app on the node and follows its log stream.
func runRemote(ctx context.Context, c *client.Client, q AppQuery) (microvm.Status, error) {
	st, err := c.RunApp(ctx, q.App, api.RunRequest{Query: q.Query})
	if err != nil {
		return st, err
	}
	if err := c.FollowLogs(ctx, st.ID, q.Stdout); err != nil {
		return st, err
	}
	return c.Wait(ctx, st.ID)
}

// runLocal runs the app in this process over the index under q.Home.
func runLocal(ctx context.Context, q AppQuery) (microvm.Status, error) {
	h := home.At(q.Home)
	rt, err := runtime.Open(ctx, h, runtime.Want{Images: true, MemexIfIndexed: true})
	if err != nil {
		var oe *runtime.OpenError
		if errors.As(err, &oe) && oe.Service == runtime.ServiceVectorDB {
			return microvm.Status{}, fmt.Errorf("open the index in %s (is a node running on another address? pass --node): %w", q.Home, oe.Err)
		}
		if errors.As(err, &oe) {
			return microvm.Status{}, oe.Err
		}
		return microvm.Status{}, err
	}
	defer rt.Close(context.WithoutCancel(ctx))
	p, err := launcher.Resolver(rt.Images())(ctx, q.App)
	if err != nil {
		if errors.Is(err, microvm.ErrNoSuchImage) {
			return microvm.Status{}, fmt.Errorf("no app %q in %s: seal it with nexus build (or start nexus up in the source tree): %w", q.App, rt.Images().Dir(), err)
		}
		return microvm.Status{}, err
	}
	eng, err := rt.Engine(ctx) // either tier, from the manifest
	if err != nil {
		return microvm.Status{}, err
	}
	var args []string
	if q.Query != "" {
		args = []string{q.Query}
	}
	return eng.Run(ctx, p, microvm.RunConfig{Args: args, Stdout: q.Stdout, Stderr: q.Stderr, Services: rt.AppServices(nil)})
}
