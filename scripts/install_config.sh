#!/usr/bin/env bash
# Installs the default configuration the way the package does, without overwriting anything an
# administrator already has: /etc/sshlog/conf.d (default event-log and session-log rules),
# /etc/sshlog/samples, /etc/sshlog/plugins, and /var/log/sshlog (mode 0700).
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

etc="${SSHLOG_CONFIG_DIR:-/etc/sshlog}"
install -d -m 0755 "$etc" "$etc/conf.d" "$etc/samples" "$etc/plugins"
install -d -m 0700 /var/log/sshlog /var/log/sshlog/sessions
for sample in config_samples/*.yaml; do
  [[ -e "$etc/samples/$(basename "$sample")" ]] || install -m 0644 "$sample" "$etc/samples/"
done
# Only a conf.d without any rule file gets the defaults: an administrator's choice stays.
if ! compgen -G "$etc/conf.d/*.y*ml" >/dev/null; then
  install -m 0644 config_samples/log_events.yaml "$etc/conf.d/log_events.yaml"
  install -m 0644 config_samples/log_all_sessions.yaml "$etc/conf.d/log_all_sessions.yaml"
fi
