#!/usr/bin/env bash
# Installs what tests/qdrant-js needs: Node.js with npm (Debian packages,
# only when missing) and the pinned @qdrant/js-client-rest from
# tests/qdrant-js/package-lock.json. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  $sudo apt-get install -y nodejs npm
fi

if [ ! -f tests/qdrant-js/node_modules/@qdrant/js-client-rest/package.json ]; then
  (cd tests/qdrant-js && npm ci --no-audit --no-fund)
fi
