#!/usr/bin/env bash
# Installs containerd and ctr (Debian package containerd, only when
# missing): microvm/image's TestOCIContainerd runs a private containerd
# under a temporary directory and checks that `ctr image import` accepts
# the archives `nexus image export` writes. The package's service is not
# needed and not started here. Idempotent.
set -euo pipefail
if command -v containerd >/dev/null 2>&1 && command -v ctr >/dev/null 2>&1; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
[ -n "${APT_UPDATED:-}" ] || $sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends containerd >/dev/null
