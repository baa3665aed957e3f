#!/usr/bin/env bash
# Builds the sshlog container image (packaging/container/Dockerfile) from the .deb in build/dist/
# with podman (or docker).
#   build_container.sh [--tag NAME] [--base IMAGE | --base-root DIR]
# --base IMAGE     the Debian 12 base image (default debian:12-slim, from a registry)
# --base-root DIR  no registry: import this Debian 12 root (debootstrap) as the base image first
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

log() { printf 'build_container: %s\n' "$*" >&2; }

tag=sshlog:latest
base=debian:12-slim
base_root=""
while (($#)); do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --base) base="$2"; shift 2 ;;
    --base-root) base_root="$2"; shift 2 ;;
    *) log "Unknown option \"$1\""; exit 2 ;;
  esac
done
engine="$(command -v podman || command -v docker || true)"
[[ -n "$engine" ]] || { log "Neither podman nor docker is installed"; exit 1; }
compgen -G "build/dist/sshlog_*_amd64.deb" >/dev/null ||
  { log "No .deb in build/dist: run scripts/build_packages.sh"; exit 1; }

if [[ -n "$base_root" ]]; then
  base=localhost/sshlog-base:bookworm
  log "importing $base_root as $base"
  tar -C "$base_root" --numeric-owner -c . | "$engine" import - "$base" >/dev/null
fi
"$engine" build --network host --build-arg "BASE=$base" -f packaging/container/Dockerfile \
  -t "$tag" . >&2
log "built $tag"
