#!/usr/bin/env bash
# Checks what deno lint cannot: named exports only (no "export default") in src/, ffi/ and mod.ts.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

targets=()
for t in src ffi mod.ts; do
  [[ -e "$t" ]] && targets+=("$t")
done
((${#targets[@]} > 0)) || exit 0

offenders="$(grep -rnE --include='*.ts' --include='*.tsx' --include='*.js' --include='*.mjs' \
  '^[[:space:]]*export[[:space:]]+default\b|export[[:space:]]*\{[^}]*\bas[[:space:]]+default\b' \
  "${targets[@]}" || true)"
if [[ -n "$offenders" ]]; then
  printf 'lint_extra: "export default" is not allowed (use named exports):\n%s\n' "$offenders" >&2
  exit 1
fi
