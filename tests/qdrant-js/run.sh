#!/usr/bin/env bash
# Drives `nexus serve` through the official Qdrant REST client for Node
# (@qdrant/js-client-rest 1.16.2, pinned in package-lock.json): installs
# it into node_modules, builds nexus, starts it on free ports with a
# temporary home, runs client.test.mjs with node:test and stops the server
# on any exit.
set -euo pipefail
name=qdrant-js
. "$(dirname "$0")/../lib.sh"
need_node node_modules/@qdrant/js-client-rest/package.json
build_nexus

key="js-$RANDOM$RANDOM"
# The key reaches the server through NEXUS_API_KEY (not argv).
NEXUS_API_KEY="$key" start_server 'api=qdrant-rest addr=' "$work/nexus" serve --home "$work/home" \
  --qdrant-http 127.0.0.1:0 --qdrant-grpc "" --addr ""

cd "$here"
# Snapshot files to recover from must live under the server's home.
mkdir -p "$work/home/import"
NEXUS_QDRANT_URL="http://$addr" NEXUS_API_KEY="$key" NEXUS_SCRATCH="$work/home/import" node --test --test-concurrency=1 client.test.mjs
