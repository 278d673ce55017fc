#!/usr/bin/env bash
# Installs promtool (Debian's prometheus package), which deploy/monitoring_test.go
# runs on deploy/prometheus/alerts.yml. Safe to run again. The package would
# start a Prometheus server where systemd runs; that is stopped: the tests only
# need the promtool binary.
set -euo pipefail

log() { echo "ensure-monitoring: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v promtool >/dev/null; then
  log "installing prometheus (for promtool)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi
promtool --version 2>&1 | head -1 >&2
