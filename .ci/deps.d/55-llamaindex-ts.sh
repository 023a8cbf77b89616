#!/usr/bin/env bash
# Installs what tests/llamaindex-ts needs: Node.js with npm (Debian packages,
# only when missing) and the pinned @llamaindex/qdrant 0.1.33, @llamaindex/core 0.6.23
# and @qdrant/js-client-rest 1.18.0 from tests/llamaindex-ts/package-lock.json.
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  $sudo apt-get install -y nodejs npm
fi

if [ ! -f tests/llamaindex-ts/node_modules/@llamaindex/qdrant/package.json ]; then
  (cd tests/llamaindex-ts && npm ci --no-audit --no-fund)
fi
