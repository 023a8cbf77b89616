#!/usr/bin/env bash
# Installs what tests/langchain-js needs: Node.js with npm (Debian packages,
# only when missing) and the pinned @langchain/qdrant 1.0.3, @langchain/core 1.4.0
# and @qdrant/js-client-rest 1.18.0 from tests/langchain-js/package-lock.json.
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  $sudo apt-get install -y nodejs npm
fi

if [ ! -f tests/langchain-js/node_modules/@langchain/qdrant/package.json ]; then
  (cd tests/langchain-js && npm ci --no-audit --no-fund)
fi
