#!/usr/bin/env bash
# Drives `nexus cortex serve` through the official OpenAI client for Node
# (openai 6.49.0, pinned in package-lock.json; it runs on Node 20): builds
# nexus, writes a long-context synthetic model, computes the expected
# continuations with `nexus cortex run --json` (cortex.Generate), starts the
# server on a free port with an API key and a temporary home, runs
# client.test.mjs with node:test, then checks from the server's log that
# the aborted stream stopped its generation. Stops the server on any exit.
set -euo pipefail
name=openai-js
. "$(dirname "$0")/../lib.sh"
need_node node_modules/openai/package.json
build_nexus
nexus=("$work/nexus" --home "$work/home")
tiny="$root/cortex/testdata/bitnet-tiny-tq2_0.gguf"
"${nexus[@]}" cortex synth --preset tiny --ctx 4096 --out "$work/long.gguf" >/dev/null

# Expected answers, from the engine's own CLI (greedy, and seeded sampling
# with the settings an OpenAI request maps to: top-k off, no penalty).
"${nexus[@]}" cortex run --model "$tiny" --prompt "Once upon a time" -n 24 --threads 1 --json >"$work/greedy.json"
"${nexus[@]}" cortex run --model "$tiny" --prompt "Once upon a time" -n 24 --threads 1 --json \
  --temp 0.8 --top-p 0.9 --top-k 0 --seed 42 >"$work/sampled.json"

key="oai-$RANDOM$RANDOM"
NEXUS_API_KEY="$key" start_server 'api=openai addr=' "${nexus[@]}" cortex serve --addr 127.0.0.1:0 --threads 1 --max-tokens 4096 \
  --ctx 4096 --model "tiny=$tiny" --model "long=$work/long.gguf"

cd "$here"
status=0
NEXUS_OPENAI_URL="http://$addr/v1" NEXUS_API_KEY="$key" NEXUS_EXPECTED_DIR="$work" \
  node --test --test-concurrency=1 --test-reporter=spec client.test.mjs 2>&1 | tee "$work/node.out" || status=$?
passed="$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$work/node.out" | tail -n1)"
failed="$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$work/node.out" | tail -n1)"
passed="${passed:-0}"
failed="${failed:-1}"

# The aborted stream (model "long", max_tokens 4000) must have stopped early.
if grep -q 'msg="openai: generation stopped: client left" .*model=long' "$work/serve.log"; then
  passed=$((passed + 1))
  echo "server log: the aborted generation stopped"
else
  failed=$((failed + 1))
  echo "server log: no stopped generation for the aborted stream" >&2
  cat "$work/serve.log" >&2
fi
echo "openai-js: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
