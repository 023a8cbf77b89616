package api

import (
	"net/http"
)

// console returns the handler for "/": Config.Console, else a file server
// over Config.ConsoleFS, else a placeholder page that links the API.
func (s *Server) console() http.Handler {
	if s.cfg.Console != nil {
		return s.cfg.Console
	}
	if s.cfg.ConsoleFS != nil {
		return http.FileServerFS(s.cfg.ConsoleFS)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		w.Write([]byte(placeholder))
	})
}

const placeholder = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>NexusOS node</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 2em auto; padding: 0 1em">
<h1>NexusOS node</h1>
<p>The web console is not built into this binary yet. The node API it will use is live:</p>
<ul>
<li><a href="/v1/status">/v1/status</a>: version, memory, collections, ingest progress, Cortex, microVMs</li>
<li><a href="/v1/memex/query?q=unpaid+invoices">/v1/memex/query?q=unpaid invoices</a>: MemexFS search</li>
<li><a href="/v1/memex/files">/v1/memex/files</a>, <a href="/v1/memex/timeline">/v1/memex/timeline</a>, <a href="/v1/memex/graph?kind=note">/v1/memex/graph</a>, <a href="/v1/memex/parties">/v1/memex/parties</a></li>
<li><a href="/v1/apps">/v1/apps</a>, <a href="/v1/vms">/v1/vms</a>: sealed apps and microVMs</li>
</ul>
<p>See docs/api.md for every endpoint.</p>
</body></html>
`
