#!/usr/bin/env bash
# Runs every check: setup (unless SSHLOG_SKIP_SETUP=1), format, lint, unit tests, then the root-only
# end-to-end tests in tests/e2e/. Exits non-zero on the first failure.
#   SSHLOG_SKIP_SETUP=1      do not run scripts/setup.sh first
#   SSHLOG_ALLOW_SKIP_E2E=1  when not root, skip the end-to-end tests instead of failing
#   SSHLOG_TEST_FILTER=TEXT  passed to "deno test --filter" (both unit and end-to-end runs)
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

step() { printf '\n== %s\n' "$*" >&2; }

if [[ "${SSHLOG_SKIP_SETUP:-0}" != "1" ]]; then
  step "setup"
  bash scripts/setup.sh --tests
fi

deno="$PWD/.tools/node_modules/.bin/deno"
if [[ ! -x "$deno" ]]; then
  deno="$(command -v deno)" || {
    printf 'test: Cannot find deno: run scripts/setup.sh\n' >&2
    exit 1
  }
fi
export DENO_NO_UPDATE_CHECK=1
export DENO_DIR="${DENO_DIR:-$PWD/.tools/deno_dir}"

filter=()
if [[ -n "${SSHLOG_TEST_FILTER:-}" ]]; then
  filter=(--filter "$SSHLOG_TEST_FILTER")
fi

step "deno fmt --check"
"$deno" fmt --check

step "deno lint"
"$deno" lint

step "lint_extra"
bash scripts/lint_extra.sh

# Listed by hand: "deno test --ignore=tests/e2e" is not applied reliably with several roots.
unit_tests=()
while IFS= read -r -d '' file; do
  unit_tests+=("$file")
done < <(find src ffi tests -path tests/e2e -prune -o -type f \
  -regextype posix-extended -regex '.*/([^/]*[._])?test\.(ts|tsx|mts|js|mjs|jsx)' -print0 \
  2>/dev/null | sort -z)
step "unit tests (${#unit_tests[@]} files in src/, ffi/, tests/ without tests/e2e)"
if ((${#unit_tests[@]} > 0)); then
  "$deno" test -A --quiet --parallel "${filter[@]}" "${unit_tests[@]}"
fi

step "end-to-end tests (tests/e2e)"
if [[ "$(id -u)" -ne 0 ]]; then
  if [[ "${SSHLOG_ALLOW_SKIP_E2E:-0}" == "1" ]]; then
    printf 'test: SKIPPED end-to-end tests: they need root (SSHLOG_ALLOW_SKIP_E2E=1 is set)\n' >&2
    exit 0
  fi
  printf 'test: Cannot run end-to-end tests: they need root (run as root, or set %s)\n' \
    "SSHLOG_ALLOW_SKIP_E2E=1 to skip them" >&2
  exit 1
fi
if [[ -d tests/e2e ]]; then
  "$deno" test -A --quiet --permit-no-files "${filter[@]}" tests/e2e/
fi

step "all tests passed"
