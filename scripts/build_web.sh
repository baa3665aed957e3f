#!/usr/bin/env bash
# Builds build/web/: the web interface's own files (src/web/static/) and the browser libraries it
# uses (xterm.js, its fit add-on, asciinema-player), fetched from npm at pinned versions into
# .tools/web/. The daemon serves only what this folder holds: nothing comes from the internet.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

readonly PACKAGES=("@xterm/xterm@6.0.0" "@xterm/addon-fit@0.11.0" "asciinema-player@3.18.0")
readonly modules=.tools/web/node_modules
# "source in .tools/web/node_modules" "name in build/web/vendor"
readonly VENDOR=(
  "@xterm/xterm/lib/xterm.js" "xterm.js"
  "@xterm/xterm/css/xterm.css" "xterm.css"
  "@xterm/addon-fit/lib/addon-fit.js" "addon-fit.js"
  "asciinema-player/dist/bundle/asciinema-player.min.js" "asciinema-player.js"
  "asciinema-player/dist/bundle/asciinema-player.css" "asciinema-player.css"
)

stamp=.tools/web/versions
if [[ "$(cat "$stamp" 2>/dev/null || true)" != "${PACKAGES[*]}" ]]; then
  mkdir -p .tools/web
  npm install --prefix .tools/web --no-save --no-audit --no-fund --loglevel=error \
    "${PACKAGES[@]}" >/dev/null
  printf '%s' "${PACKAGES[*]}" >"$stamp"
fi

out=build/web
rm -rf "$out.tmp"
mkdir -p "$out.tmp/vendor"
cp src/web/static/* "$out.tmp/"
for ((i = 0; i < ${#VENDOR[@]}; i += 2)); do
  cp "$modules/${VENDOR[i]}" "$out.tmp/vendor/${VENDOR[i + 1]}"
done
rm -rf "$out"
mv "$out.tmp" "$out"
