#!/usr/bin/env bash
# Makes sure Debian's chromium (driven by playwright-core in test/console) and a
# CJK font (so the console's Chinese renders in screenshots) are installed.
# Never downloads a browser build of its own. Safe to run again.
set -euo pipefail

log() { echo "ensure-chromium: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

font=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if [ -x /usr/bin/chromium ] && [ -f "$font" ]; then
  exit 0
fi
log "installing chromium and fonts-wqy-microhei with apt-get"
as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
  chromium fonts-wqy-microhei >/dev/null
if [ ! -x /usr/bin/chromium ]; then
  log "apt-get did not install /usr/bin/chromium"
  exit 1
fi
log "$(/usr/bin/chromium --version 2>/dev/null || echo chromium) installed"
