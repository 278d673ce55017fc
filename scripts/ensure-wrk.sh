#!/usr/bin/env bash
# Installs wrk (Debian's package), the C load generator `go run ./bench -load
# wrk|both` drives (docs/benchmarks.md, "wrk side by side"). Safe to run again.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v wrk >/dev/null; then
  echo "ensure-wrk: installing wrk" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
