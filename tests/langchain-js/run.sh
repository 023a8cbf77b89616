#!/usr/bin/env bash
# Drives `nexus serve` through LangChain.js's Qdrant vector store
# (@langchain/qdrant 1.0.3 with @langchain/core 1.4.0 and
# @qdrant/js-client-rest 1.18.0, pinned in package-lock.json): installs
# them into node_modules, builds nexus, starts it on free ports with a
# temporary home and an API key, runs store.test.mjs with node:test and
# stops the server on any exit.
set -euo pipefail
name=langchain-js
. "$(dirname "$0")/../lib.sh"
need_node node_modules/@langchain/qdrant
build_nexus

key="lc-$RANDOM$RANDOM"
# The key reaches the server through NEXUS_API_KEY (not argv).
NEXUS_API_KEY="$key" start_server 'api=qdrant-rest addr=' "$work/nexus" serve --home "$work/home" \
  --qdrant-http 127.0.0.1:0 --qdrant-grpc "" --addr ""

cd "$here"
# The store reads QDRANT_URL / QDRANT_API_KEY only as fallbacks; the test
# passes url and apiKey explicitly, so clear them to keep it hermetic.
env -u QDRANT_URL -u QDRANT_API_KEY \
  NEXUS_QDRANT_URL="http://$addr" NEXUS_API_KEY="$key" node --test --test-concurrency=1 store.test.mjs
