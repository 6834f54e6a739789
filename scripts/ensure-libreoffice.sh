#!/usr/bin/env bash
# Best-effort prerequisite of the letter → PDF conversion test: installs Debian's
# `libreoffice-writer-nogui` (and `fonts-noto-cjk`, so the PDF has Chinese glyphs, and
# `poppler-utils`, whose pdftoppm renders page 1 of each letter to PNG) with apt-get when
# missing and this is a root shell with apt-get. Otherwise it prints one line saying why the
# conversion test will be skipped. It never fails the build: the exit status is always 0.
#
# LIANBAN_SOFFICE overrides the binary checked (default: soffice or libreoffice on PATH), e.g. to
# simulate a machine without LibreOffice: LIANBAN_SOFFICE=/nonexistent scripts/ensure-libreoffice.sh
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib/apt.sh
. "$here/lib/apt.sh"

find_soffice() {
    if [ -n "${LIANBAN_SOFFICE:-}" ]; then
        [ -x "$LIANBAN_SOFFICE" ] && echo "$LIANBAN_SOFFICE"
        return 0
    fi
    command -v soffice || command -v libreoffice || true
}
have_cjk_fonts() {
    dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed' && return 0
    command -v fc-list >/dev/null 2>&1 && fc-list ':lang=zh' 2>/dev/null | grep -q .
}

wanted=${LIANBAN_SOFFICE:-soffice}
missing=()
[ -n "$(find_soffice)" ] || missing+=(libreoffice-writer-nogui)
have_cjk_fonts || missing+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)

if [ ${#missing[@]} -eq 0 ]; then
    echo "ensure-libreoffice: LibreOffice ($(find_soffice)), CJK fonts and pdftoppm present."
    exit 0
fi

if apt_install "${missing[@]}"; then
    if [ -n "$(find_soffice)" ]; then
        echo "ensure-libreoffice: installed ${missing[*]} with apt-get."
    else
        echo "ensure-libreoffice: apt-get installed ${missing[*]}, but $wanted is still missing — the letter → PDF test will be skipped."
    fi
elif [ -n "$(find_soffice)" ]; then
    echo "ensure-libreoffice: LibreOffice present, but could not install ${missing[*]} ($APT_ERROR) — PDFs may lack Chinese glyphs, letter PNGs are skipped without pdftoppm."
else
    echo "ensure-libreoffice: LibreOffice (soffice) not found and could not install it ($APT_ERROR) — the letter → PDF test will be skipped."
fi
exit 0
