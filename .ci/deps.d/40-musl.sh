#!/usr/bin/env bash
# Installs musl-gcc (Debian package musl-tools, only when missing): the
# hyper/libos tests and `nexus bench kvm` build static C programs with it
# to run them in tier-2 microVMs. Idempotent.
set -euo pipefail
if command -v musl-gcc >/dev/null 2>&1; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends musl-tools
