#!/usr/bin/env bash
# Makes sure Node.js 18 (or NODE_MIN) or later is on PATH, for the JS tests
# (node --test, fetch). Installs Debian's nodejs with apt-get where it is missing or
# older. Safe to run again; does nothing when a recent enough node is there.
set -euo pipefail

log() { echo "ensure-node: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

want=${NODE_MIN:-18}
recent_enough() {
  command -v node >/dev/null &&
    node -e "process.exit(parseInt(process.versions.node, 10) >= $want ? 0 : 1)" 2>/dev/null
}

if recent_enough; then
  exit 0
fi
if command -v node >/dev/null; then
  log "node $(node --version) is older than $want; installing Debian's nodejs"
else
  log "node is missing; installing Debian's nodejs"
fi
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null
hash -r
if ! recent_enough; then
  log "apt-get installed node $(node --version 2>/dev/null || echo '(none)'), need $want or later; install a newer Node.js"
  exit 1
fi
log "node $(node --version) installed"
