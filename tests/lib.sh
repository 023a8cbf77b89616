# Shared by tests/*/run.sh (sourced, not run): the steps every client
# harness takes around its own test file.
#
#   name=qdrant-js; . "$(dirname "$0")/../lib.sh"
#   need_node node_modules/@qdrant/js-client-rest   # npm ci when missing
#   build_nexus                                    # $work/nexus; $work removed on exit
#   start_server 'api=qdrant-rest addr=' "$work/nexus" serve ...
#   ... "$addr" is the bound address; the server is stopped on exit.
#
# Callers set `name` (used in messages) before sourcing.

here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
pid=""
addr=""

cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# need_node PATH: node must be installed, and PATH (under the harness's
# folder) present, else the pinned packages are installed with npm ci.
need_node() {
  command -v node >/dev/null || { echo "$name: node is not installed" >&2; exit 1; }
  if [ ! -e "$here/$1" ]; then
    (cd "$here" && npm ci --no-audit --no-fund)
  fi
}

# build_nexus builds the nexus binary into $work.
build_nexus() {
  (cd "$root" && go build -o "$work/nexus" ./cmd/nexus)
}

# start_server MARK CMD...: runs CMD in the background with its standard
# error in $work/serve.log, and waits (30 s at most) for the log line that
# holds MARK followed by the bound address, which it sets in $addr.
start_server() {
  local mark="$1"
  shift
  "$@" 2>"$work/serve.log" &
  pid=$!
  for _ in $(seq 1 300); do
    addr="$(sed -n "s/.*${mark}\([0-9.:]*\).*/\1/p" "$work/serve.log" | head -n1)"
    [ -n "$addr" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; echo "$name: $(basename "$1") exited" >&2; exit 1; }
    sleep 0.1
  done
  cat "$work/serve.log" >&2
  echo "$name: $(basename "$1") did not start" >&2
  exit 1
}
