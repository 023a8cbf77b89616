#!/usr/bin/env bash
# Checks the web console's sources against what nexus embeds:
#   1. node/console/dist is exactly what web/ builds to with the pinned
#      toolchain (web/package-lock.json: esbuild, Preact); it fails with the
#      differing files when someone edited web/ without rebuilding, or
#      edited dist/ by hand;
#   2. the console's unit tests (web/test, node:test: chip removal, party
#      grouping, the app report's CSV, the graph layout, routing).
# Prints "N passed, N failed" last; exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
command -v node >/dev/null || { echo "console-bundle: node is not installed (.ci/deps.d/60-chromium.sh installs it)" >&2; exit 1; }
cd "$root/web"
# npm ci installs exactly the lock file's versions (and removes others).
if [ ! -x node_modules/.bin/esbuild ] || ! npm ls --depth=0 >/dev/null 2>&1; then
  npm ci --no-audit --no-fund
fi
pass=0 fail=0
if node build.mjs --check; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
set +e
node --test test/ 2>&1 | tee "$out"
set -e
p="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out" | tail -n1)"
f="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$out" | tail -n1)"
pass=$((pass + ${p:-0}))
fail=$((fail + ${f:-0}))
grep -q '^# pass' "$out" || fail=$((fail + 1))
echo "console-bundle: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
