"""What 搜索 finds for a user: the first page of each list the user may see, searched for the same words."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import urlencode

from agreements.permissions import can_use_agreements
from agreements.selectors import institution_pages_for_user
from casework.paging import KeysetPaginator
from casework.selectors import case_pages_for_user
from referral.selectors import referral_pages_for_user

SHOWN = 10  # rows a section shows; its list has the rest
LONGEST_QUERY = 100


@dataclass(frozen=True)
class Section:
    kind: str  # cases, referrals or institutions (the page renders its rows with search/_<kind>.html)
    title: str
    rows: list
    more_url: str | None  # the full list searched for the same words, when there is more than SHOWN


def search_sections(*, user, q: str) -> list[Section]:
    """Cases, referrals and (for the bureaus and handling agencies) 定点医药机构 matching `q`, each the
    first SHOWN rows of its own list: the same selectors, scoping and index-driven paging."""
    q = q.strip()[:LONGEST_QUERY]
    if not q or not user.is_authenticated:
        return []
    lists = [
        ("cases", "案件", case_pages_for_user(user=user, search=q), "cases:index"),
        ("referrals", "移送", referral_pages_for_user(user=user, search=q), "referrals:index"),
    ]
    if can_use_agreements(user):
        lists.append(("institutions", "定点医药机构", institution_pages_for_user(user=user, search=q), "agreements:index"))
    sections = []
    for kind, title, pages, list_url in lists:
        page = KeysetPaginator(pages, SHOWN).seek()
        more = f"{reverse(list_url)}?{urlencode({'q': q})}" if page.has_next() else None
        sections.append(Section(kind=kind, title=title, rows=list(page.object_list), more_url=more))
    return sections
