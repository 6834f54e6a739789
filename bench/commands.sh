#!/usr/bin/env bash
# Whole-command timings with hyperfine (installed with apt-get when missing and root) on a scratch SQLite
# var dir: Django start-up (`manage.py check`), the start-up check `make run` does
# (`check --database default`), and re-running the idempotent `manage.py demo` on a loaded city.
# Usage: bench/commands.sh [RUNS]   (from the repository root; default 10 runs after 1 warm-up)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-10}
if ! command -v hyperfine >/dev/null 2>&1; then
    # shellcheck source=scripts/lib/apt.sh
    . scripts/lib/apt.sh
    if ! apt_install hyperfine || ! command -v hyperfine >/dev/null 2>&1; then
        echo "bench/commands.sh: hyperfine not installed and could not install it (${APT_ERROR:-not found after install}); command timings skipped"
        exit 0
    fi
fi
var=$(mktemp -d "${TMPDIR:-/tmp}/lianban-bench-cmd.XXXXXX")
trap 'rm -rf "$var"' EXIT
export LIANBAN_VAR_DIR=$var LIANBAN_DEBUG=1
unset DATABASE_URL REDIS_URL
py=.venv/bin/python
$py manage.py migrate --noinput -v0
$py manage.py demo --quiet >/dev/null
hyperfine --style basic --warmup 1 --runs "$runs" --export-markdown "$var/commands.md" \
    "$py manage.py check" \
    "$py manage.py check --database default" \
    "$py manage.py demo --quiet"
echo
cat "$var/commands.md"
