#!/usr/bin/env bash
# Installs WordNet 3.0 (wordnet-base: Princeton's licence, redistributable
# with its notice) and the GCIDE dictionary (dict-gcide: GPL text, read at
# test time and never copied into the repository). MemexFS's paraphrase
# test (memex/paraphrase_test.go) asks questions worded by GCIDE's
# definitions and builds its second corpus from WordNet glosses;
# memex/embed/wordnet's tests read WordNet, and memex/embed's table
# generator retrofits the GloVe vectors to it. Idempotent: installs only
# the packages that are missing.
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
for p in wordnet-base dict-gcide; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
[ -n "${APT_UPDATED:-}" ] || $sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
