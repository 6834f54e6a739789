#!/usr/bin/env python
"""Importing a big-data screening list (casework.screening): N hits over I institutions, beside baselines.

Loads the demo city into a scratch database, writes a .csv of N hits spread over I institutions (real
check digits, as a model's export has them) and times, as 镇江's officer:

- the preview (read, check every row, group by institution, look up what was imported before) —
  beside a plain `csv.reader` pass over the same bytes;
- the import (the job of casework.screening_jobs run to its end here: one lead per institution through
  the case flow, its party, N ScreeningHit rows, in chunks of a transaction each, one audit event) — beside registering the same I leads alone through the same flow start;
- the same file again: its preview and import (everything imported before: nothing registered).

    .venv/bin/python bench/screening.py --database-url postgres://postgres@127.0.0.1:5432/lianban_bench_screening

Without --database-url the scratch database is SQLite. A PostgreSQL database named in --database-url
is DROPPED and re-created: use a scratch name. Target (issue 11): 10,000 rows in ≤ 30 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._scratch import scratch_django  # noqa: E402

TARGET_SECONDS = 30


def listing(rows: int, institutions: int) -> bytes:
    from casework.identifiers import id_check_char, uscc_check_char

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["线索编号", "筛查模型", "定点医药机构", "统一社会信用代码", "参保人姓名", "身份证号", "结算日期", "涉及金额", "疑点描述"])
    for n in range(rows):
        place = n % institutions
        code = f"91321100MA1{place:06d}"
        person = f"32110219800101{n % 1000:03d}"
        writer.writerow([f"JS-BENCH-{n:07d}", "虚假住院", f"镇江测试医院{place:04d}", code + uscc_check_char(code), f"参保人{n}",
                         person + id_check_char(person), f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}", f"{100 + n % 900}.50",
                         "住院期间同日门诊刷卡"])
    return out.getvalue().encode("utf-8-sig")


def clock(run) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = run()
    return time.perf_counter() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL scratch database (dropped and re-created); default SQLite")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--institutions", type=int, default=500)
    args = parser.parse_args()

    with scratch_django(database_url=args.database_url) as scratch:
        from casework.intake import lead_start
        from casework.models import CaseSource
        from casework.screening import screening_import, screening_preview
        from demo.scenario import build_city

        officer = build_city().user("msb_officer")
        content = listing(args.rows, args.institutions)
        name = "bench.csv"
        timings = [
            ("baseline: `csv.reader` over the same bytes", *clock(lambda: list(csv.reader(io.StringIO(content.decode("utf-8-sig")))))),
            ("preview (read, check, group, look up)", *clock(lambda: screening_preview(user=officer, name=name, content=content))),
            ("import (leads, parties, hits, audit)", *clock(lambda: screening_import(user=officer, name=name, content=content))),
            ("the same file again: preview", *clock(lambda: screening_preview(user=officer, name=name, content=content))),
            ("the same file again: import (registers nothing)", *clock(lambda: screening_import(user=officer, name=name, content=content))),
            (f"baseline: {args.institutions} leads through the same flow start, nothing else", *clock(lambda: [
                lead_start(user=officer, title=f"基线线索{n}", source=CaseSource.BIG_DATA, summary="基线。")
                for n in range(args.institutions)])),
        ]
        print(f"\n## Screening import: {args.rows:,} rows, {args.institutions:,} institutions ({scratch.vendor})\n")
        print("| step | seconds | rows/s |")
        print("|---|---:|---:|")
        for label, seconds, _ in timings:
            print(f"| {label} | {seconds:.2f} | {args.rows / seconds:,.0f} |")
        total = timings[1][1] + timings[2][1]
        print(f"\npreview + import: {total:.1f} s — target ≤ {TARGET_SECONDS} s: {'met' if total <= TARGET_SECONDS else 'NOT met'}")


if __name__ == "__main__":
    main()
