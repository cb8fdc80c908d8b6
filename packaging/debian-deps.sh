#!/bin/sh
# Installs the Debian packages Qt needs, only when missing: headless (offscreen) for tests, plus
# the xcb plugin's libraries for a real window on an X11 desktop (`make demo`; checked under
# Xvfb), and a CJK font; and PostgreSQL, whose binaries the PostgreSQL half of the test suite runs
# (tests/pg_cluster.py starts a throwaway cluster; the service the package sets up is not used).
# On anything that is not Debian/Ubuntu it prints what is needed and carries on.
set -eu
PKGS="python3-venv libglib2.0-0 libgl1 libegl1 libfontconfig1 libxkbcommon0 libx11-6 libdbus-1-3 fonts-wqy-microhei
libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
libxcb-shape0 libxcb-randr0 libxcb-xkb1 libxcb-xinerama0
postgresql"
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
