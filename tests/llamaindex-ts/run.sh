#!/usr/bin/env bash
# Drives `nexus serve` through LlamaIndex.TS's Qdrant vector store
# (@llamaindex/qdrant 0.1.33 with @llamaindex/core 0.6.23 and
# @qdrant/js-client-rest 1.18.0, pinned in package-lock.json): installs
# them into node_modules, builds nexus, starts it on free ports with a
# temporary home and an API key, runs store.test.mjs with node:test and
# stops the server on any exit.
set -euo pipefail
name=llamaindex-ts
. "$(dirname "$0")/../lib.sh"
need_node node_modules/@llamaindex/qdrant
build_nexus

key="li-$RANDOM$RANDOM"
# The key reaches the server through NEXUS_API_KEY (not argv).
NEXUS_API_KEY="$key" start_server 'api=qdrant-rest addr=' "$work/nexus" serve --home "$work/home" \
  --qdrant-http 127.0.0.1:0 --qdrant-grpc "" --addr ""

cd "$here"
NEXUS_QDRANT_URL="http://$addr" NEXUS_API_KEY="$key" node --test --test-concurrency=1 store.test.mjs
