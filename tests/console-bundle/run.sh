#!/usr/bin/env bash
# Checks that the web console embedded in nexus (node/console/dist) is
# exactly what its sources (web/) build to with the pinned toolchain
# (web/package-lock.json: esbuild, Preact). Fails with the differing files
# when someone edited web/ without rebuilding, or edited dist/ by hand.
# Prints "N passed, N failed" last.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
command -v node >/dev/null || { echo "console-bundle: node is not installed (.ci/deps.d/60-chromium.sh installs it)" >&2; exit 1; }
cd "$root/web"
# npm ci installs exactly the lock file's versions (and removes others).
if [ ! -x node_modules/.bin/esbuild ] || ! npm ls --depth=0 >/dev/null 2>&1; then
  npm ci --no-audit --no-fund
fi
if node build.mjs --check; then
  echo "console-bundle: 1 passed, 0 failed"
else
  echo "console-bundle: 0 passed, 1 failed"
  exit 1
fi
