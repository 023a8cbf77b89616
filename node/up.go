package node

import (
	"fmt"
	"io"
	"net"
	"strings"

	"nexusos/cortex"
	"nexusos/node/api"
	"nexusos/node/home"
)

// Default listen addresses of `nexus up` and `nexus serve`.
const (
	DefaultAddr       = "127.0.0.1:7777"
	DefaultQdrantHTTP = "127.0.0.1:6333"
	DefaultQdrantGRPC = "127.0.0.1:6334"
)

// UpConfig returns the configuration of `nexus up`: every listener on
// loopback, MemexFS over data (the demo folder when data is empty), and
// the microVM runtime with the apps found in the NexusOS source tree at
// sourceRoot sealed in the background ("" seals nothing).
func UpConfig(home string, data []string, sourceRoot string) Config {
	cfg := Config{
		Home: home, Addr: DefaultAddr, QdrantHTTP: DefaultQdrantHTTP, QdrantGRPC: DefaultQdrantGRPC,
		Memex: true, Data: data, DemoData: len(data) == 0, Apps: true,
	}
	if sourceRoot != "" {
		cfg.AppSources = DefaultApps(sourceRoot)
		cfg.AppSourceRoot = sourceRoot
	}
	return cfg
}

// PrintBanner writes what a node started with cfg runs and where, for a
// person who just typed `nexus up`.
func PrintBanner(w io.Writer, cfg Config, a Addrs) {
	url := func(hostport string) string {
		if hostport == "" {
			return "off"
		}
		return "http://" + displayHost(hostport)
	}
	fmt.Fprintf(w, "NexusOS node is up (home %s)\n\n", cfg.Home)
	fmt.Fprintf(w, "  console and node API  %s/\n", url(a.Node))
	fmt.Fprintf(w, "  Qdrant REST API       %s\n", url(a.QdrantHTTP))
	grpc := "off"
	if a.QdrantGRPC != "" {
		grpc = displayHost(a.QdrantGRPC)
	}
	fmt.Fprintf(w, "  Qdrant gRPC API       %s\n", grpc)
	switch {
	case !cfg.Memex:
		fmt.Fprintf(w, "  MemexFS               off\n")
	case len(cfg.Data) > 0:
		fmt.Fprintf(w, "  MemexFS               indexing %s in the background\n", strings.Join(cfg.Data, ", "))
	case cfg.DemoData:
		fmt.Fprintf(w, "  MemexFS               indexing the demo folder (%s: invoices, receipts, a notes vault);\n", home.At(cfg.Home).Demo())
		fmt.Fprintf(w, "                        start with --data DIR to index your own folders instead\n")
	}
	if names, err := cortex.List(cfg.Home); err == nil && len(names) > 0 {
		fmt.Fprintf(w, "  Cortex                models: %s\n", strings.Join(names, ", "))
	} else {
		fmt.Fprintf(w, "  Cortex                %s.\n", wrap("No model: "+strings.TrimPrefix(api.CortexHint, "no language model is configured. "), 24, 78))
		fmt.Fprintf(w, "                        %s.\n", wrap("Without one: "+api.CortexWithout, 24, 78))
	}
	if cfg.Apps {
		switch {
		case len(cfg.AppSources) > 0:
			fmt.Fprintf(w, "  microVMs              tier 1 (WebAssembly) ready; sealing %d apps from %s in the background\n", len(cfg.AppSources), cfg.AppSourceRoot)
		default:
			fmt.Fprintf(w, "  microVMs              tier 1 (WebAssembly) ready; no app sources here (run nexus up in the\n")
			fmt.Fprintf(w, "                        NexusOS source tree to seal the examples, or nexus build your own)\n")
		}
	}
	if a.Node != "" {
		fmt.Fprintf(w, "\nTry:\n")
		fmt.Fprintf(w, "  curl -s '%s/v1/memex/query?q=unpaid+invoices'\n", url(a.Node))
		if cfg.Apps {
			fmt.Fprintf(w, "  nexus memex query --app invoice-report unpaid invoices\n")
		}
	}
	fmt.Fprintf(w, "\nCtrl-C stops the node (indexed files and sealed apps are kept).\n")
}

// displayHost turns a bound address into one a browser can open.
func displayHost(hostport string) string {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// wrap breaks s into lines of at most width columns, indenting every line
// after the first by indent spaces.
func wrap(s string, indent, width int) string {
	var b strings.Builder
	col := indent
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if col+1+len(word) > width {
				b.WriteString("\n" + strings.Repeat(" ", indent))
				col = indent
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}
