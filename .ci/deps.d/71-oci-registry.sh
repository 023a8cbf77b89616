#!/usr/bin/env bash
# Installs an OCI registry and a client that is not ours (Debian packages
# docker-registry, the CNCF distribution registry, and skopeo; only when
# missing): microvm/image's TestOCIRegistry pushes an exported NexusOS
# image to a registry on a private port and pulls it back. Idempotent.
set -euo pipefail
if command -v docker-registry >/dev/null 2>&1 && command -v skopeo >/dev/null 2>&1; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
[ -n "${APT_UPDATED:-}" ] || $sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends docker-registry skopeo >/dev/null
