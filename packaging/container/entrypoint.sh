#!/bin/sh
# The container's entry point. Started with a host folder mounted on /etc/sshlog that has no
# configuration yet (docker creates a missing folder empty), it first copies the packaged one
# there, never overwriting a file; then it runs sshlog with the container's arguments.
set -eu
if [ ! -e /etc/sshlog/conf.d ]; then
  cp -a -n /usr/share/sshlog/default-config/. /etc/sshlog/
  echo "sshlog: /etc/sshlog had no conf.d: installed the default configuration there" >&2
fi
exec /usr/bin/sshlog "$@"
