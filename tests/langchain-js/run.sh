#!/usr/bin/env bash
# Drives `nexus serve` through LangChain.js's Qdrant vector store
# (@langchain/qdrant 1.0.3 with @langchain/core 1.4.0 and
# @qdrant/js-client-rest 1.18.0, pinned in package-lock.json): installs
# them into node_modules, builds nexus, starts it on free ports with a
# temporary home and an API key, runs store.test.mjs with node:test and
# stops the server on any exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

command -v node >/dev/null || { echo "langchain-js: node is not installed" >&2; exit 1; }
if [ ! -d "$here/node_modules/@langchain/qdrant" ]; then
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

key="lc-$RANDOM$RANDOM"
# The key reaches the server through NEXUS_API_KEY (not argv).
NEXUS_API_KEY="$key" "$work/nexus" serve --home "$work/home" \
  --qdrant-http 127.0.0.1:0 --qdrant-grpc "" --addr "" 2>"$work/serve.log" &
pid=$!

# Wait for the REST listener's log line (it carries the bound port).
addr=""
for _ in $(seq 1 300); do
  addr="$(sed -n 's/.*api=qdrant-rest addr=\([0-9.:]*\).*/\1/p' "$work/serve.log" | head -n1)"
  [ -n "$addr" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; echo "langchain-js: nexus serve exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$addr" ] || { cat "$work/serve.log" >&2; echo "langchain-js: nexus serve did not start" >&2; exit 1; }

cd "$here"
# The store reads QDRANT_URL / QDRANT_API_KEY only as fallbacks; the test
# passes url and apiKey explicitly, so clear them to keep it hermetic.
env -u QDRANT_URL -u QDRANT_API_KEY \
  NEXUS_QDRANT_URL="http://$addr" NEXUS_API_KEY="$key" node --test --test-concurrency=1 store.test.mjs
