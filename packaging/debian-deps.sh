#!/bin/sh
# Installs the Debian packages Qt needs to run headless (and a CJK font), only when missing.
# On anything that is not Debian/Ubuntu it prints what is needed and carries on.
set -eu
PKGS="python3-venv libglib2.0-0 libgl1 libegl1 libfontconfig1 libxkbcommon0 libx11-6 libdbus-1-3 fonts-wqy-microhei"
if ! command -v dpkg >/dev/null 2>&1; then
  echo "debian-deps: not a Debian system; make sure Qt's runtime libraries and a CJK font are installed." >&2
  exit 0
fi
missing=""
for p in $PKGS; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "debian-deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
