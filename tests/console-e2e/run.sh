#!/usr/bin/env bash
# End-to-end tests of the web console in headless Chromium: builds nexus,
# starts `nexus up` from the source tree (so the example apps are sealed)
# on a temporary home with the demo data and a free port, and runs
# console.test.mjs (node:test + playwright-core driving Debian's
# /usr/bin/chromium); then starts a second node with --api-key for
# apikey.test.mjs. Screenshots are kept in tests/console-e2e/artifacts/
# (git-ignored; ARTIFACTS=DIR puts them elsewhere). The nodes are stopped
# on any exit. Prints "N passed, N failed" last; exits non-zero on failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

command -v node >/dev/null || { echo "console-e2e: node is not installed (.ci/deps.d/60-chromium.sh installs it)" >&2; exit 1; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "console-e2e: ${CHROMIUM:-/usr/bin/chromium} is missing (.ci/deps.d/60-chromium.sh installs it)" >&2; exit 1; }
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      kill -INT "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

(cd "$root" && go build -o "$work/nexus" ./cmd/nexus)

# start NAME ARGS...: runs `nexus up ARGS` from the source tree (so it seals
# the example apps) with its own home, and sets $url to its console URL.
start() {
  local name="$1"
  shift
  (cd "$root" && exec "$work/nexus" up --home "$work/$name" --addr 127.0.0.1:0 --qdrant-http "" --qdrant-grpc "" "$@") \
    >"$work/$name.out" 2>"$work/$name.err" &
  local pid=$!
  pids+=("$pid")
  url=""
  for _ in $(seq 1 600); do
    url="$(sed -n 's|.*console and node API *\(http://[0-9.:]*/\).*|\1|p' "$work/$name.out" | head -n1)"
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/$name.out" "$work/$name.err" >&2; echo "console-e2e: nexus up ($name) exited" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$work/$name.out" "$work/$name.err" >&2; echo "console-e2e: nexus up ($name) did not start" >&2; exit 1; }
  echo "console-e2e: nexus up ($name) serves $url"
}

start home
if ! curl -fsS "$url" | grep -q 'assets/app.js'; then
  echo "console-e2e: $url does not serve the embedded console (node/console): is node.Config.Console set by nexus up?" >&2
  exit 1
fi
export NEXUS_URL="$url"
# The Cortex test adds the repository's tiny test model to the running node.
export NEXUS_BIN="$work/nexus" NEXUS_HOME_DIR="$work/home" TINY_MODEL="$root/cortex/testdata/bitnet-tiny-tq2_0.gguf"

key="console-$RANDOM$RANDOM"
start keyed --api-key "$key" --no-seal
export NEXUS_KEY_URL="$url" NEXUS_KEY="$key"

export ARTIFACTS="${ARTIFACTS:-$here/artifacts}"
mkdir -p "$ARTIFACTS"
cd "$here"
set +e
node --test --test-concurrency=1 --test-reporter=spec console.test.mjs apikey.test.mjs 2>&1 | tee "$work/test.out"
rc=${PIPESTATUS[0]}
set -e
pass="$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$work/test.out" | tail -n1)"
fail="$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$work/test.out" | tail -n1)"
if [ "$rc" -ne 0 ]; then
  for f in home keyed; do
    echo "--- nexus up ($f) output" >&2
    cat "$work/$f.out" "$work/$f.err" >&2
  done
fi
echo "screenshots in $ARTIFACTS"
echo "console-e2e: ${pass:-0} passed, ${fail:-0} failed"
[ "$rc" -eq 0 ] && [ "${fail:-1}" = "0" ]
