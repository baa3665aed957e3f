#!/bin/sh
# sshlog: the bundled program (/usr/lib/sshlog/sshlog.js) on the Deno runtime it was built and
# tested with (/usr/lib/sshlog/deno). Arguments go to sshlog unchanged.
export DENO_NO_UPDATE_CHECK=1
if [ -z "${DENO_DIR:-}" ] && [ "$(id -u)" -eq 0 ]; then
  export DENO_DIR=/var/cache/sshlog
fi
exec /usr/lib/sshlog/deno run --allow-all --no-config --no-lock --no-prompt --quiet \
  /usr/lib/sshlog/sshlog.js "$@"
