#!/usr/bin/env bash
# Builds signed package repositories as static files from build/dist/ (scripts/build_packages.sh):
#   build/repo/apt/  dists/stable/{Release,InRelease,Release.gpg}, dists/stable/main/binary-amd64/
#                    Packages(.gz), pool/, sshlog-archive-keyring.gpg (+ .asc)
#   build/repo/yum/  the signed rpm, repodata/ (repomd.xml signed: repomd.xml.asc),
#                    RPM-GPG-KEY-sshlog, sshlog.repo
# Serve build/repo/ over HTTP(S), or use it as a file: source.
#
#   SSHLOG_SIGNING_GNUPGHOME  a GnuPG home whose first secret key signs (default: .tools/signing,
#                             where a key is made on first use: fine for tests, not for releases)
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

log() { printf 'build_repos: %s\n' "$*" >&2; }

deb="$(ls build/dist/sshlog_*_amd64.deb 2>/dev/null | head -1)"
rpm="$(ls build/dist/sshlog-*.x86_64.rpm 2>/dev/null | head -1)"
[[ -n "$deb" && -n "$rpm" ]] || { log "No packages in build/dist: run scripts/build_packages.sh"; exit 1; }

# --- signing key ------------------------------------------------------------------------------
export GNUPGHOME="${SSHLOG_SIGNING_GNUPGHOME:-$PWD/.tools/signing}"
if [[ -z "${SSHLOG_SIGNING_GNUPGHOME:-}" ]] && ! gpg --list-secret-keys 2>/dev/null | grep -q sec; then
  install -d -m 0700 "$GNUPGHOME"
  log "making a repository signing key in $GNUPGHOME"
  gpg --batch --quiet --passphrase '' \
    --quick-gen-key "sshlog packages <sshlog@sshlog.org>" rsa3072 sign never
fi
key="$(gpg --list-secret-keys --with-colons | awk -F: '$1 == "fpr" { print $10; exit }')"
[[ -n "$key" ]] || { log "No secret key in $GNUPGHOME"; exit 1; }
sign() { gpg --batch --yes --quiet --pinentry-mode loopback --passphrase '' --local-user "$key" "$@"; }

repo=build/repo
rm -rf "$repo" && mkdir -p "$repo"

# --- apt --------------------------------------------------------------------------------------
apt="$repo/apt"
mkdir -p "$apt/pool/main/s/sshlog" "$apt/dists/stable/main/binary-amd64"
cp "$deb" "$apt/pool/main/s/sshlog/"
(cd "$apt" && apt-ftparchive packages pool >dists/stable/main/binary-amd64/Packages)
gzip -9nk "$apt/dists/stable/main/binary-amd64/Packages"
apt-ftparchive \
  -o APT::FTPArchive::Release::Origin=sshlog \
  -o APT::FTPArchive::Release::Label=sshlog \
  -o APT::FTPArchive::Release::Suite=stable \
  -o APT::FTPArchive::Release::Codename=stable \
  -o APT::FTPArchive::Release::Architectures=amd64 \
  -o APT::FTPArchive::Release::Components=main \
  -o APT::FTPArchive::Release::Description="sshlog packages" \
  release "$apt/dists/stable" >"$apt/Release.tmp"
mv "$apt/Release.tmp" "$apt/dists/stable/Release"
sign --clearsign --output "$apt/dists/stable/InRelease" "$apt/dists/stable/Release"
sign --armor --detach-sign --output "$apt/dists/stable/Release.gpg" "$apt/dists/stable/Release"
gpg --export "$key" >"$apt/sshlog-archive-keyring.gpg"
gpg --armor --export "$key" >"$apt/sshlog-archive-keyring.asc"
log "apt repository in $apt (suite stable, component main)"

# --- yum/dnf ----------------------------------------------------------------------------------
yum="$repo/yum"
mkdir -p "$yum"
cp "$rpm" "$yum/"
gpg --armor --export "$key" >"$yum/RPM-GPG-KEY-sshlog"
rpmsign --addsign \
  --define "_gpg_name $key" \
  --define "_gpg_path $GNUPGHOME" \
  --define "__gpg $(command -v gpg)" \
  --define "__gpg_sign_cmd %{__gpg} gpg --batch --no-armor --pinentry-mode loopback --passphrase '' --local-user %{_gpg_name} --detach-sign --output %{__signature_filename} %{__plaintext_filename}" \
  "$yum/$(basename "$rpm")" >/dev/null
createrepo_c --quiet "$yum"
sign --armor --detach-sign --output "$yum/repodata/repomd.xml.asc" "$yum/repodata/repomd.xml"
cat >"$yum/sshlog.repo" <<'EOF'
# Copy to /etc/yum.repos.d/sshlog.repo and set baseurl to where build/repo/yum is served.
[sshlog]
name=sshlog
baseurl=https://packages.example.org/sshlog/yum
enabled=1
gpgcheck=1
repo_gpgcheck=1
gpgkey=https://packages.example.org/sshlog/yum/RPM-GPG-KEY-sshlog
EOF
log "yum repository in $yum"
