#!/usr/bin/env python
"""搜索 on a large database: each kind of word, now and before the trigram path, beside guardian.

Reads a database made by bench/datagen.py (never changes it) and, as the officer who sees the most
cases, times `search.selectors.search_sections` (the first ten cases, referrals and 定点医药机构 that
match, what /search/ and /api/search/ read) for words of every kind an officer types:

- a common two-character word (医院), too short for a trigram index;
- a common word of four characters (a violation every eighth case names);
- an institution's name from one of the officer's own cases (found in a few cases);
- an institution's name from another city's case (found in a few cases, none of them visible);
- a word that matches nothing;
- a party's full 身份证号 (or 统一社会信用代码 where the data has no person), a case number, a 文号.

Each word is timed three ways in the same run: now (a word of three characters or more looked up in
the pg_trgm indexes first, agencies.visibility.rare_matches); before (the same selectors with that
look-up switched off: each grant's case checked as the grant index yields it); and the baseline,
guardian's `get_objects_for_user` listings of the same cases and referrals with the same search.
Then the whole /search/ page (request, view, template; in process) for every word.

    .venv/bin/python bench/search.py --database-url postgres://postgres@127.0.0.1:5432/lianban_datagen_1000000

Prints a Markdown table: p50 and p95 in milliseconds over --requests runs after 3 warm-up runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lists import guardian_cases, guardian_referrals, heaviest_users, setup, timed  # noqa: E402


def words(reader) -> list[tuple[str, str]]:
    """(what the word is, the word), each picked from the data as described above."""
    from casework.models import Case, Subject
    from casework.selectors import case_list_for_user
    from referral.models import IssuedDocument

    mine = case_list_for_user(user=reader).values("pk")[:500]
    own_case = Case.objects.filter(pk__in=mine).order_by("pk").first()
    foreign = Case.objects.exclude(agency=own_case.agency).exclude(pk__in=case_list_for_user(user=reader).values("pk")).order_by("pk").first()
    institution = Subject.objects.filter(case=own_case).exclude(identifier_type="resident_id").order_by("pk").first()
    foreign_institution = Subject.objects.filter(case=foreign).exclude(identifier_type="resident_id").order_by("pk").first()
    party = (Subject.objects.filter(case__in=mine, identifier_type="resident_id").order_by("pk").first()
             or Subject.objects.filter(case__in=mine).exclude(identifier="").order_by("pk").first())
    document = IssuedDocument.objects.filter(case__in=mine, number__isnull=False, referral__isnull=False).order_by("pk").first()
    chosen = [
        ("常见词，两个字", "医院"),
        ("常见词，四个字（违规行为）", "分解住院"),
        ("本人案件中的机构名称", _short(institution.name if institution else own_case.title)),
        ("他市案件中的机构名称（本人看不到）", _short(foreign_institution.name if foreign_institution else foreign.title)),
        ("无匹配的词", "无此机构名称"),
        (f"完整{party.get_identifier_type_display()}", party.identifier),
        ("完整案件编号", own_case.number),
    ]
    if document:
        chosen.append(("完整文号", document.number))
    return chosen


def _short(name: str) -> str:
    for suffix in ("有限公司", "涉嫌"):
        name = name.split(suffix)[0]
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    setup(args.database_url)

    from django.test import Client

    from agencies import visibility
    from casework.models import Case
    from search.selectors import search_sections

    reader, visible, _, _ = heaviest_users()
    print(f"# 搜索 on {Case.objects.count():,} cases: {reader.username} sees {visible:,} of them\n")
    print("| word | kind | matches shown (cases, referrals, institutions) | now p50 / p95 ms | before p50 / p95 ms | guardian p50 / p95 ms |")
    print("|---|---|---|---:|---:|---:|")
    trigram = visibility.TRIGRAM

    def search(q):
        return lambda: search_sections(user=reader, q=q)

    def guardian(q):
        return lambda: (list(guardian_cases(reader, search=q)[:10]), list(guardian_referrals(reader, search=q)[:10]))

    chosen = words(reader)
    for kind, q in chosen:
        visibility.TRIGRAM = trigram
        shown = ", ".join(str(len(section.rows)) for section in search_sections(user=reader, q=q))
        now = timed(search(q), args.requests, users=(reader,))
        visibility.TRIGRAM = 10**6  # before: no word is long enough for the index path
        before = timed(search(q), args.requests, users=(reader,))
        visibility.TRIGRAM = trigram
        baseline = timed(guardian(q), args.requests, users=(reader,))
        print(f"| {q} | {kind} | {shown} | {now[0]:.1f} / {now[1]:.1f} | {before[0]:.1f} / {before[1]:.1f} | {baseline[0]:.1f} / {baseline[1]:.1f} |",
              flush=True)

    client = Client()
    client.force_login(reader)
    print("\n| whole request | kind | p50 / p95 ms |\n|---|---|---:|")
    for kind, q in chosen:
        def page(q=q):
            response = client.get("/search/", {"q": q})
            assert response.status_code == 200, response.status_code

        p50, p95, _ = timed(page, args.requests)
        print(f"| `/search/?q={q}` | {kind} | {p50:.1f} / {p95:.1f} |", flush=True)


if __name__ == "__main__":
    main()
