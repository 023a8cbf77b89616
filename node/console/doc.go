// Package console is the NexusOS web console: a single-page application
// whose sources live in web/ and whose bundle, built at development time
// by web/build.mjs, is embedded here from dist/. Go builds and `nexus up`
// need no Node.js.
//
// The node serves it at "/" next to its JSON API (docs/api.md), which is
// all the console talks to:
//
//	cfg.Console = console.Handler()
//
// The console routes with the URL fragment (#/search, #/graph, ...), so
// the handler only ever serves index.html and its hashed assets.
//
// The handler is safe for concurrent use.
//
// # Rebuilding
//
//	cd web && npm ci && npm run build   # writes ../node/console/dist
//
// tests/console-bundle checks that the committed dist matches a fresh
// build of web/ with the pinned toolchain.
package console
