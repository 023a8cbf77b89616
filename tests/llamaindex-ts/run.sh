#!/usr/bin/env bash
# Drives `nexus serve` through LlamaIndex.TS's Qdrant vector store
# (@llamaindex/qdrant 0.1.33 with @llamaindex/core 0.6.23 and
# @qdrant/js-client-rest 1.18.0, pinned in package-lock.json): installs
# them into node_modules, builds nexus, starts it on free ports with a
# temporary home and an API key, runs store.test.mjs with node:test and
# stops the server on any exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

command -v node >/dev/null || { echo "llamaindex-ts: node is not installed" >&2; exit 1; }
if [ ! -d "$here/node_modules/@llamaindex/qdrant" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

(cd "$root" && go build -o "$work/nexus" ./cmd/nexus)

key="li-$RANDOM$RANDOM"
# The key reaches the server through NEXUS_API_KEY (not argv).
NEXUS_API_KEY="$key" "$work/nexus" serve --home "$work/home" \
  --qdrant-http 127.0.0.1:0 --qdrant-grpc "" --addr "" 2>"$work/serve.log" &
pid=$!

# Wait for the REST listener's log line (it carries the bound port).
addr=""
for _ in $(seq 1 300); do
  addr="$(sed -n 's/.*api=qdrant-rest addr=\([0-9.:]*\).*/\1/p' "$work/serve.log" | head -n1)"
  [ -n "$addr" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; echo "llamaindex-ts: nexus serve exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$addr" ] || { cat "$work/serve.log" >&2; echo "llamaindex-ts: nexus serve did not start" >&2; exit 1; }

cd "$here"
NEXUS_QDRANT_URL="http://$addr" NEXUS_API_KEY="$key" node --test --test-concurrency=1 store.test.mjs
