#!/usr/bin/env bash
# The four list pages of issue 8 (我的待办, 待认领, 案件, 移送; whole requests, in process) timed for a
# base revision and for the working tree, in turns on the same database, so that both meet the same
# machine: ROUNDS turns each (default 3), --requests N per page a turn (default 20).
#
#   bench/against.sh 87896a6 postgres://postgres@127.0.0.1:5432/lianban_datagen_1000000
#
# The base revision is checked out into a temporary git worktree (removed afterwards) and run with
# this checkout's virtualenv and this checkout's bench/lists.py. Prints each turn's Markdown table, base first:
# wall-clock p50 / p95, the CPU time's p50 and the Python calls a request (the last two move least when
# another program shares the machine; the calls not at all).
#
# BENCH names another timing script and its options instead of the lists, e.g. one 办理 POST on a
# scratch database (dropped and re-created each turn):
#
#   BENCH="completions.py --step-only" bench/against.sh 87896a6 postgres://postgres@127.0.0.1:5432/lianban_bench_completions
set -euo pipefail
base_rev=${1:?usage: bench/against.sh <base revision> <database url>}
database_url=${2:?usage: bench/against.sh <base revision> <database url>}
rounds=${ROUNDS:-3}
requests=${REQUESTS:-20}
bench=${BENCH:-lists.py --pages --calls --requests $requests}
here=$(cd "$(dirname "$0")/.." && pwd)
python="$here/.venv/bin/python"
worktree=$(mktemp -d /tmp/lianban-against.XXXXXX)
trap 'git -C "$here" worktree remove --force "$worktree" >/dev/null 2>&1 || rm -rf "$worktree"' EXIT
git -C "$here" worktree add --detach --force "$worktree" "$base_rev" >/dev/null 2>&1
# The same timing script on both sides (the base may predate its --pages option); each side imports its own code.
cp "$here/bench/${bench%% *}" "$here/bench/lists.py" "$here/bench/_scratch.py" "$worktree/bench/"
for turn in $(seq "$rounds"); do
  for tree in "$worktree" "$here"; do
    label=$([ "$tree" = "$here" ] && echo "working tree" || echo "base $base_rev")
    echo "## turn $turn: $label ($(uptime | sed 's/.*load average/load average/'))"
    # shellcheck disable=SC2086  # $bench is the script and its options
    (cd "$tree" && env -u DATABASE_URL "$python" bench/$bench --database-url "$database_url" 2>/dev/null | grep '^[|#]')
  done
done
