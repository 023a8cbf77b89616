#!/usr/bin/env bash
# Runs every NexusOS test on a fresh machine: installs what the tests need
# (each .ci/deps.d/*.sh script installs one thing and is idempotent), then
# vets, runs the Go tests and the client tests written in other languages.
set -euo pipefail
cd "$(dirname "$0")/.."

for dep in .ci/deps.d/*.sh; do
  [ -e "$dep" ] || continue
  echo "== deps: $dep"
  bash "$dep"
done

echo "== go vet"
go vet ./...

echo "== go test"
go test -count=1 -timeout 25m ./...

# Tests that drive a real `nexus` binary through clients nobody here wrote.
for t in tests/*/run.sh; do
  [ -e "$t" ] || continue
  echo "== $t"
  bash "$t"
done
