#!/usr/bin/env bash
# Make `$1 -m venv` work (default python3). Debian's python3 ships without ensurepip: the
# `python3-venv` package provides it. Installs it with apt-get when running as root; otherwise
# explains what to install. Unlike the other ensure-* scripts this one fails: no venv, no project.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib/apt.sh
. "$here/lib/apt.sh"

python=${1:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
    echo "ensure-python-venv: $python not found; install Python 3.11 (Debian 12: apt-get install python3 python3-venv)." >&2
    exit 1
fi
"$python" -c 'import ensurepip, venv' 2>/dev/null && exit 0

version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
echo "ensure-python-venv: $python has no ensurepip; installing python3-venv (python$version-venv) with apt-get…"
if apt_install python3-venv "python$version-venv" && "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    exit 0
fi
echo "ensure-python-venv: cannot create a virtualenv with $python (${APT_ERROR:-ensurepip still missing}); install python3-venv and retry." >&2
exit 1
