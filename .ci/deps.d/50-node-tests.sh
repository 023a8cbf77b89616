#!/usr/bin/env bash
# Installs what the Node client harnesses in tests/ need: Node.js with npm
# (Debian packages, only when missing) and, for each harness, the exact
# packages its package-lock.json pins (npm ci), unless already installed.
# Idempotent. The harnesses: qdrant-js (@qdrant/js-client-rest), openai-js
# (openai), langchain-js (@langchain/qdrant), llamaindex-ts
# (@llamaindex/qdrant).
set -euo pipefail
. "$(cd "$(dirname "$0")/.." && pwd)/npm.sh"
cd "$(dirname "$0")/../.."

ensure_npm

for t in qdrant-js openai-js langchain-js llamaindex-ts; do
  # npm writes node_modules/.package-lock.json when an install completes.
  if [ ! -f "tests/$t/node_modules/.package-lock.json" ]; then
    (cd "tests/$t" && npm ci --no-audit --no-fund)
  fi
done
