#!/usr/bin/env bash
# Installs everything sshlog needs to build and test: Debian packages, the pinned Deno runtime in
# .tools/, the npm dependencies, the BPF object, the web interface's files and the "sshlog" group.
# "--packaging" adds what building the packages needs, "--tests" that and what only the test suite
# needs (Chromium, lintian, rpmlint). Idempotent: a second run only checks.
set -euo pipefail

readonly DENO_VERSION="2.9.6"
readonly APT_PACKAGES=(
  clang llvm libbpf-dev libbpf1 bpftool
  openssh-server openssh-client tmux debootstrap iproute2 procps acl binutils
)
# Building the packages and repositories ("setup.sh --packaging", scripts/build_packages.sh).
readonly PACKAGING_APT_PACKAGES=(rpm createrepo-c apt-utils gnupg)
# The test suite ("setup.sh --tests") also checks the packages (lintian, rpmlint, the unit file),
# the container (podman with runc) and the web interface (Chromium).
readonly TEST_APT_PACKAGES=(
  "${PACKAGING_APT_PACKAGES[@]}" lintian rpmlint systemd podman runc chromium
)

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
repo_root="$(pwd)"

log() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    log "Cannot run \"$*\": not root and sudo is missing"
    return 1
  fi
}

# --- Debian packages --------------------------------------------------------------------------
wanted=("${APT_PACKAGES[@]}")
case "${1:-}" in
  --tests) wanted+=("${TEST_APT_PACKAGES[@]}") ;;
  --packaging) wanted+=("${PACKAGING_APT_PACKAGES[@]}") ;;
  "") ;;
  *) log "Unknown option \"$1\": use --tests, --packaging or nothing"; exit 2 ;;
esac
missing=()
for pkg in "${wanted[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  log "installing Debian packages: ${missing[*]}"
  # The policy-rc.d stops openssh-server's postinst from starting the system sshd.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [[ ! -e "$policy" && "$(id -u)" -eq 0 ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    made_policy=1
  fi
  restore_policy() { if ((made_policy)); then rm -f "$policy"; fi; }
  trap restore_policy EXIT
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  restore_policy
  trap - EXIT
fi

# --- Deno, pinned, from npm -------------------------------------------------------------------
deno_bin="$repo_root/.tools/node_modules/.bin/deno"
have_version=""
if [[ -x "$deno_bin" ]]; then
  have_version="$("$deno_bin" --version 2>/dev/null | awk 'NR == 1 { print $2 }' || true)"
fi
if [[ "$have_version" != "$DENO_VERSION" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    log "installing npm (Debian package) to fetch the pinned Deno"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm \
      >/dev/null
  fi
  log "installing deno@$DENO_VERSION into .tools/"
  mkdir -p .tools
  npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error \
    "deno@$DENO_VERSION" >/dev/null
fi
"$deno_bin" --version >/dev/null

# --- npm dependencies of the project ----------------------------------------------------------
# Cached beside the checkout (as ./sshlog expects), readable by group sshlog's members.
export DENO_DIR="${DENO_DIR:-$repo_root/.tools/deno_dir}"
if [[ -f mod.ts ]]; then
  "$deno_bin" install --quiet
  "$deno_bin" cache --quiet mod.ts
fi

# --- BPF object -------------------------------------------------------------------------------
if [[ -f scripts/build_bpf.sh ]]; then
  bash scripts/build_bpf.sh
fi

# --- web interface assets ----------------------------------------------------------------------
if [[ -f scripts/build_web.sh ]]; then
  bash scripts/build_web.sh
fi

# --- group for socket access ------------------------------------------------------------------
if ! getent group sshlog >/dev/null; then
  log "creating group \"sshlog\""
  as_root groupadd --system sshlog
fi
