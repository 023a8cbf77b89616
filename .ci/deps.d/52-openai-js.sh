#!/usr/bin/env bash
# Installs what tests/openai-js needs: Node.js with npm (Debian packages,
# only when missing) and the pinned openai client from
# tests/openai-js/package-lock.json. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  $sudo apt-get install -y nodejs npm
fi

if [ ! -f tests/openai-js/node_modules/openai/package.json ]; then
  (cd tests/openai-js && npm ci --no-audit --no-fund)
fi
