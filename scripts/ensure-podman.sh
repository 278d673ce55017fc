#!/usr/bin/env bash
# Installs what deploy/image_test.go needs to build and run the image: Debian's
# podman and buildah, runc (the runtime the test uses) and busybox-static (the
# shell of the test's stand-in builder image). Safe to run again.
set -euo pipefail

log() { echo "ensure-podman: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v buildah >/dev/null || missing+=(buildah)
command -v runc >/dev/null || missing+=(runc)
# The static build: the stand-in image has no libc for a dynamic busybox.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || missing+=(busybox-static)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
