"""Agreement-handling figures for the statistics page (domain §11.1–11.3).

Counting rules (domain §11.3): 家 = distinct institutions, 家次 = actions; an action counts in the
period of its decision date (decided_on). A region is a 行政区划代码 and covers its sub-regions
(320000 → all of 江苏省). The caller decides which region the user may read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count

from agencies.regions import region_prefix
from agreements.models import ActionKind, AgreementAction


@dataclass(frozen=True)
class Tally:
    institutions: int  # 家
    actions: int  # 家次


def _tally(*, start: date, end: date, region_code: str, kinds: list[str] | None = None) -> Tally:
    actions = AgreementAction.objects.filter(
        decided_on__range=(start, end), institution__region_code__startswith=region_prefix(region_code)
    )
    if kinds is not None:
        actions = actions.filter(kind__in=kinds)
    counts = actions.aggregate(institutions=Count("institution", distinct=True), actions=Count("pk"))
    return Tally(institutions=counts["institutions"], actions=counts["actions"])


def institutions_interviewed(*, start: date, end: date, region_code: str) -> Tally:
    """约谈定点医药机构."""
    return _tally(start=start, end=end, region_code=region_code, kinds=[ActionKind.INTERVIEW])


def institutions_handled(*, start: date, end: date, region_code: str) -> Tally:
    """处理定点医药机构: any 协议处理."""
    return _tally(start=start, end=end, region_code=region_code)


def agreements_suspended(*, start: date, end: date, region_code: str) -> Tally:
    """暂停（中止）医保服务协议."""
    return _tally(start=start, end=end, region_code=region_code, kinds=[ActionKind.SUSPEND])


def agreements_terminated(*, start: date, end: date, region_code: str) -> Tally:
    """解除医保服务协议."""
    return _tally(start=start, end=end, region_code=region_code, kinds=[ActionKind.TERMINATE])
