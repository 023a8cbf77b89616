# Sourced by the .ci/deps.d scripts that fetch npm packages: ensure_npm
# installs Node and npm from Debian when either is missing.
ensure_npm() {
  command -v node >/dev/null && command -v npm >/dev/null && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends nodejs npm
}
