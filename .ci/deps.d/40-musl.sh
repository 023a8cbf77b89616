#!/usr/bin/env bash
# Installs musl-gcc (Debian musl-tools): hyper/libos tests build static C
# programs with it to run them in a tier-2 microVM. Idempotent.
set -euo pipefail
if command -v musl-gcc >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends musl-tools
