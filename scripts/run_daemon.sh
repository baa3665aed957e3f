#!/usr/bin/env bash
# The README's first set-up command: installs everything, the default configuration included,
# then runs the daemon in the foreground with it (Ctrl-C stops it). Extra arguments go to the
# daemon, e.g. --debug.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
bash scripts/setup.sh
bash scripts/install_config.sh
exec ./sshlog daemon "$@"
