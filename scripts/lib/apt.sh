# shellcheck shell=bash
# Helpers for best-effort installation of Debian packages. Source this file; do not run it.
#
#   apt_reason            → why apt_install cannot run here ("" when it can)
#   apt_install PKG...    → install the packages quietly and non-interactively; returns non-zero on
#                           failure and leaves the reason in $APT_ERROR and the full output in $APT_LOG
#
# `apt-get update` runs at most once, and only when a package has no install candidate (unknown
# package, empty lists on a fresh machine) or when the first install attempt fails (stale lists).
# LIANBAN_APT_GET overrides the apt-get binary (used to simulate a machine without apt).

APT_GET=${LIANBAN_APT_GET:-apt-get}
APT_ERROR=""
APT_LOG=""
_apt_updated=0

apt_reason() {
    if [ "$(id -u)" != "0" ]; then
        echo "not running as root"
    elif ! command -v "$APT_GET" >/dev/null 2>&1; then
        echo "apt-get is not available"
    fi
}

_apt() {
    DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a \
        "$APT_GET" -q -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 "$@" </dev/null >>"$APT_LOG" 2>&1
}

_apt_update_once() {
    [ "$_apt_updated" = 1 ] && return 0
    _apt_updated=1
    _apt update || { APT_ERROR="apt-get update failed (log: $APT_LOG)"; return 1; }
}

_apt_has_candidate() {
    apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [^(]'
}

apt_install() {
    APT_ERROR=""
    APT_LOG=$(mktemp "${TMPDIR:-/tmp}/lianban-apt.XXXXXX.log")
    local reason pkg
    reason=$(apt_reason)
    if [ -n "$reason" ]; then
        APT_ERROR=$reason
        rm -f "$APT_LOG"
        return 1
    fi
    for pkg in "$@"; do
        if ! _apt_has_candidate "$pkg"; then
            _apt_update_once || return 1
            break
        fi
    done
    if _apt install -y --no-install-recommends "$@"; then
        rm -f "$APT_LOG"
        return 0
    fi
    if [ "$_apt_updated" = 0 ]; then  # stale package lists give 404s: refresh once and retry
        _apt_update_once || return 1
        if _apt install -y --no-install-recommends "$@"; then
            rm -f "$APT_LOG"
            return 0
        fi
    fi
    APT_ERROR="apt-get install $* failed (log: $APT_LOG)"
    return 1
}
