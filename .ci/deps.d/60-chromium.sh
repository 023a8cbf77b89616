#!/usr/bin/env bash
# Installs what the web console's tests need: Debian's chromium (driven
# headless by tests/console-e2e through playwright-core, which never
# downloads a browser of its own), Node.js with npm, and the pinned npm
# packages of web/ (the bundler, for tests/console-bundle) and of
# tests/console-e2e. Idempotent: each step runs only when its result is
# missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# Fonts, so screenshots show text the way a person's browser would.
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing+=(fonts-dejavu-core)
if [ "${#missing[@]}" -gt 0 ]; then
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

if [ -f web/package-lock.json ] && [ ! -x web/node_modules/.bin/esbuild ]; then
  (cd web && npm ci --no-audit --no-fund)
fi
if [ -f tests/console-e2e/package-lock.json ] && [ ! -f tests/console-e2e/node_modules/playwright-core/package.json ]; then
  (cd tests/console-e2e && npm ci --no-audit --no-fund)
fi
