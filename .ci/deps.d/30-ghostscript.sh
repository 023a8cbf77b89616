#!/usr/bin/env bash
# Ghostscript's ps2pdf writes real PDFs for the MemexFS PDF extractor tests
# (an independent PDF producer).
set -euo pipefail
command -v ps2pdf >/dev/null && exit 0
export DEBIAN_FRONTEND=noninteractive
[ -n "${APT_UPDATED:-}" ] || apt-get update -qq
apt-get install -y -qq ghostscript >/dev/null
