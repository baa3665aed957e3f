#!/usr/bin/env bash
# Builds the sshlog packages into build/dist/: sshlog_VERSION_amd64.deb and
# sshlog-VERSION-RELEASE.x86_64.rpm, from one staged file tree (build/stage/).
#
# The program: when "deno compile" can get its runtime base (DENORT_BIN, or a download), one
# executable with the BPF object and the web files embedded; otherwise the self-contained layout:
# /usr/lib/sshlog/{deno,sshlog.js} (the pinned runtime and the bundled program) started by the
# /usr/bin/sshlog launcher. Both ship the BPF object and the web files in
# /usr/lib/sshlog, and behave the same.
#
#   SSHLOG_PKG_VERSION   package version (default: the VERSION of src/version.ts)
#   SSHLOG_PKG_RELEASE   rpm release (default 1)
#   SSHLOG_PKG_MAINTAINER  the packages' maintainer (default "sshlog developers <sshlog@sshlog.org>")
#   DENORT_BIN           a denort binary for "deno compile" (else it downloads one)
#   SSHLOG_PKG_LAYOUT    auto (default: compile when possible, else bundle), compile or bundle
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

log() { printf 'build_packages: %s\n' "$*" >&2; }

deno=.tools/node_modules/.bin/deno
export DENO_DIR="${DENO_DIR:-$PWD/.tools/deno_dir}"
export DENO_NO_UPDATE_CHECK=1
version="${SSHLOG_PKG_VERSION:-$(sed -n 's/^export const VERSION = "\(.*\)";$/\1/p' src/version.ts)}"
release="${SSHLOG_PKG_RELEASE:-1}"
maintainer="${SSHLOG_PKG_MAINTAINER:-sshlog developers <sshlog@sshlog.org>}"
[[ -n "$version" ]] || { log "Cannot read the version from src/version.ts"; exit 1; }
for need in build/sshtrace.bpf.o build/web/index.html; do
  [[ -e "$need" ]] || { log "Missing $need: run scripts/setup.sh --packaging first"; exit 1; }
done

stage=build/stage
dist=build/dist
rm -rf "$stage" && mkdir -p "$stage" "$dist"

# --- the program ------------------------------------------------------------------------------
lib="$stage/usr/lib/sshlog"
install -d "$lib" "$stage/usr/bin"
install -m 0644 build/sshtrace.bpf.o "$lib/sshtrace.bpf.o"
cp -r build/web "$lib/web"
find "$lib/web" -type d -exec chmod 0755 {} + && find "$lib/web" -type f -exec chmod 0644 {} +
layout="${SSHLOG_PKG_LAYOUT:-auto}"
if [[ "$layout" != bundle ]]; then
  # "deno compile" takes its runtime base from DENORT_BIN, or downloads it (dl.deno.land).
  if "$deno" compile --quiet --allow-all --no-check --include build/sshtrace.bpf.o \
    --include build/web --output "$stage/usr/bin/sshlog" mod.ts 2>build/compile.log; then
    layout=compiled
    log "compiled one executable"
  elif [[ "$layout" == compile ]]; then
    log "deno compile failed:"; cat build/compile.log >&2; exit 1
  else
    log "deno compile cannot get its runtime base ($(grep -m1 -o 'https://[^ ):]*' build/compile.log \
      || echo 'see build/compile.log')): self-contained layout instead"
    rm -f "$stage/usr/bin/sshlog"
    layout=bundle
  fi
fi
if [[ "$layout" == bundle ]]; then
  "$deno" bundle --quiet --platform deno --node-modules-dir=auto -o "$lib/sshlog.js" mod.ts
  install -m 0755 "$(readlink -f "$deno")" "$lib/deno"
  install -m 0755 packaging/launcher.sh "$stage/usr/bin/sshlog"
fi

# --- configuration, service, documentation ----------------------------------------------------
install -d -m 0755 "$stage/etc/sshlog/conf.d" "$stage/etc/sshlog/samples" \
  "$stage/etc/sshlog/plugins" "$stage/etc/logrotate.d"
install -m 0644 config_samples/*.yaml "$stage/etc/sshlog/samples/"
install -m 0644 config_samples/log_events.yaml config_samples/log_all_sessions.yaml \
  "$stage/etc/sshlog/conf.d/"
install -m 0644 packaging/sshlog.logrotate "$stage/etc/logrotate.d/sshlog"
install -D -m 0644 packaging/sshlog.8 "$stage/usr/share/man/man8/sshlog.8"
gzip -9n "$stage/usr/share/man/man8/sshlog.8"
install -D -m 0644 packaging/sshlog.bash-completion \
  "$stage/usr/share/bash-completion/completions/sshlog"
install -D -m 0644 README.md "$stage/usr/share/doc/sshlog/README.md"
install -D -m 0644 SECURITY.md "$stage/usr/share/doc/sshlog/SECURITY.md"
install -D -m 0644 docs/configuration.md "$stage/usr/share/doc/sshlog/configuration.md"
install -D -m 0644 docs/plugins.md "$stage/usr/share/doc/sshlog/plugins.md"
# The plug-in API types, self-contained: api.ts and the event types it imports (types only).
api="$stage/usr/share/doc/sshlog/plugin-api"
install -D -m 0644 src/plugins/api.ts "$api/plugins/api.ts"
install -D -m 0644 src/events/types.ts "$api/events/types.ts"
printf '/** The event types of the plug-in API (the full module lives in the daemon). */\nexport * from "./types.ts";\n' \
  >"$api/events/mod.ts"
chmod 0644 "$api/events/mod.ts"
log "staged the $layout layout in $stage"

# --- .deb -------------------------------------------------------------------------------------
build_deb() {
  local root=build/deb-root
  rm -rf "$root" && cp -a "$stage" "$root"
  install -D -m 0644 packaging/sshlog.service "$root/lib/systemd/system/sshlog.service"
  install -D -m 0644 packaging/sshlog.default "$root/etc/default/sshlog"
  install -m 0644 packaging/copyright "$root/usr/share/doc/sshlog/copyright"
  install -D -m 0644 packaging/deb/lintian-overrides "$root/usr/share/lintian/overrides/sshlog"
  printf 'sshlog (%s) stable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
    "$version" "$version" "$maintainer" "$(date -R -d @0)" |
    gzip -9n >"$root/usr/share/doc/sshlog/changelog.gz"
  install -d "$root/DEBIAN"
  install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"
  (cd "$root" && find etc -type f | sort | sed 's|^|/|') >"$root/DEBIAN/conffiles"
  local size
  size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
  cat >"$root/DEBIAN/control" <<EOF
Package: sshlog
Version: $version
Architecture: amd64
Maintainer: $maintainer
Installed-Size: $size
Depends: libc6 (>= 2.31), libgcc-s1, libbpf1, adduser
Recommends: openssh-server
Section: admin
Priority: optional
Description: record and monitor OpenSSH sessions with eBPF
 sshlog watches the stock OpenSSH server with eBPF (no sshd change, no proxy,
 no PAM module) and records every SSH session: logins, commands with their
 exit status and output, the full terminal stream and file transfers, for
 every user. Administrators list live sessions, watch events, attach to a
 session, and replay recordings; rules send events to an event log, session
 recordings, commands, Slack, e-mail, webhooks, syslog and statsd.
EOF
  dpkg-deb --root-owner-group -Zxz --build "$root" "$dist/sshlog_${version}_amd64.deb" >/dev/null
  log "built $dist/sshlog_${version}_amd64.deb"
}

# --- .rpm -------------------------------------------------------------------------------------
build_rpm() {
  local top="$PWD/build/rpmbuild"
  rm -rf "$top" && mkdir -p "$top"/{BUILD,RPMS,SOURCES,SPECS,SRPMS}
  rpmbuild -bb --quiet \
    --define "_topdir $top" \
    --define "sshlog_version ${version//-/_}" \
    --define "sshlog_release $release" \
    --define "sshlog_stage $PWD/$stage" \
    --define "sshlog_packaging $PWD/packaging" \
    --define "sshlog_maintainer $maintainer" \
    --define "_build_id_links none" \
    packaging/rpm/sshlog.spec >/dev/null
  cp "$top"/RPMS/x86_64/sshlog-*.rpm "$dist/"
  log "built $(ls "$dist"/sshlog-*.rpm)"
}

rm -f "$dist"/sshlog_*.deb "$dist"/sshlog-*.rpm
build_deb
build_rpm
