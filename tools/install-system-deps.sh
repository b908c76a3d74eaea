#!/usr/bin/env bash
# Debian packages the briefs need: pango/harfbuzz for WeasyPrint, Noto fonts covering Latin,
# Cyrillic (fonts-noto-core) and Hangul (fonts-noto-cjk), poppler-utils for the PDF checks.
# With --test, also what only the tests need: chromium, the browser that tests/test_browser.py
# drives through Playwright (never `playwright install`: the Debian package is used as it is), so
# that `make report` users do not download a browser.
# Installs what is missing when run as root; otherwise prints the command to run.
set -euo pipefail
PACKAGES="fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-noto-cjk fonts-noto-mono poppler-utils"
for arg in "$@"; do
  case "$arg" in
    --test) PACKAGES="$PACKAGES chromium" ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
  esac
done
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  # fonts installed after matplotlib built its font cache would be invisible to it
  rm -rf "${MPLCONFIGDIR:-$HOME/.cache/matplotlib}"/fontlist-*.json 2>/dev/null || true
else
  echo "missing system packages:$missing" >&2
  echo "install them with: sudo apt-get install --no-install-recommends$missing" >&2
  exit 1
fi
