#!/usr/bin/env bash
# Installs the pinned @qdrant/js-client-grpc (package-lock.json) that
# TestJSGrpcClient drives. Idempotent; needs node and npm.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -f node_modules/@qdrant/js-client-grpc/package.json ]; then
  npm ci --no-audit --no-fund
fi
