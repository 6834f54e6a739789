#!/usr/bin/env bash
# Best-effort prerequisite of the browser tests (Playwright driving Debian's chromium):
# installs `chromium` and `fonts-noto-cjk` (Chinese glyphs in pages and screenshots) with apt-get
# when they are missing and this is a root shell with apt-get. Otherwise it prints one line saying
# why browser tests will be skipped. It never fails the build: the exit status is always 0.
#
# LIANBAN_CHROMIUM overrides the browser path checked (default /usr/bin/chromium), e.g. to
# simulate a machine without a browser: LIANBAN_CHROMIUM=/nonexistent scripts/ensure-browser.sh
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib/apt.sh
. "$here/lib/apt.sh"

chromium=${LIANBAN_CHROMIUM:-/usr/bin/chromium}

have_chromium() { [ -x "$chromium" ]; }
have_cjk_fonts() {
    dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed' && return 0
    command -v fc-list >/dev/null 2>&1 && fc-list ':lang=zh' 2>/dev/null | grep -q .
}

missing=()
have_chromium || missing+=(chromium)
have_cjk_fonts || missing+=(fonts-noto-cjk)

if [ ${#missing[@]} -eq 0 ]; then
    echo "ensure-browser: chromium ($chromium) and CJK fonts present."
    exit 0
fi

if apt_install "${missing[@]}"; then
    if have_chromium; then
        echo "ensure-browser: installed ${missing[*]} with apt-get."
    else
        echo "ensure-browser: apt-get installed ${missing[*]}, but $chromium is still missing — browser tests will be skipped."
    fi
elif have_chromium; then
    echo "ensure-browser: chromium present, but could not install ${missing[*]} ($APT_ERROR) — screenshots may lack Chinese glyphs."
else
    echo "ensure-browser: chromium not found at $chromium and could not install it ($APT_ERROR) — browser tests will be skipped."
fi
exit 0
