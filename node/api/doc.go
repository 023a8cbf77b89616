// Package api is the NexusOS node's own HTTP API (docs/api.md): MemexFS
// search, files, ingest with live progress and the knowledge graph; node
// status; sealed apps, detached microVMs with live logs; and the web
// console's assets at "/".
//
// The API only translates HTTP: the services and their state (the vector
// engine, MemexFS with its background ingest and knowledge-graph cache, the
// microVM manager and image store, Cortex's models) belong to a
// runtime.Runtime (package node/runtime), which the node (package node)
// opens and hands to one Server. A service the runtime lacks answers 503
// with the reason.
//
//	rt, err := runtime.Open(ctx, home.At(dir), runtime.Want{VectorDB: true, Memex: true, Apps: true, Cortex: true, Data: dirs})
//	...
//	srv := api.New(api.Config{Runtime: rt})
//	http.ListenAndServe("127.0.0.1:7777", srv)
//
// # Safety
//
//   - With Config.APIKey set, every request (API and console) must carry the
//     key as "api-key: KEY", "Authorization: Bearer KEY", the query parameter
//     api_key=KEY (for EventSource, which cannot set headers; it also sets a
//     cookie so the console's later requests pass), or that cookie, by the
//     rules of access.CheckConsole: keys sent in more than one way must
//     agree, and the cookie counts only when no other key is sent. Only
//     GET /healthz is open.
//   - Without a key, only requests addressed to a loopback host
//     (access.Loopback) are answered, and state-changing requests from
//     another origin are refused.
//   - Request bodies are limited to Config.MaxRequestBytes and query
//     strings to MaxQueryBytes.
//   - Paths in requests must lie inside the indexed folders (for reads) or
//     inside the runtime's data folders (for ingest), after cleaning, looked up
//     through an os.Root of the folder (access.StatInside: symbolic links
//     count only while they stay inside it); anything else is refused with
//     403.
//
// A Server is safe for concurrent use.
package api
