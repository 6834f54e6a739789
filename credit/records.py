"""The credit entries a user may see, newest first, drawn from the sanctions where they are recorded.

Periods (how long an entry counts against the subject) follow the sanction: a penalty for
LIANBAN_CREDIT_PENALTY_MONTHS from its decision (the credit platform's 公示期; UNCONFIRMED, default
36 months); a 中止 until it is lifted; a 解除 until the 3-year re-application bar ends; points until
the year's end (they clear each year); a practitioner's suspension or termination until it runs out."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery

from agreements.models import ActionKind, AgreementAction, Institution, PaymentStatus, PointRecord, Practitioner
from agreements.permissions import agreement_agency_of, visible_institutions_q
from casework.clocks import add_months
from casework.models import ORGANISATION_KINDS, PenaltyDecision, PenaltyKind
from casework.selectors import case_list_for_user

REGULATION = "《医疗保障基金使用监督管理条例》"
AGREEMENT_RULES = "《医疗机构医疗保障定点管理暂行办法》（国家医疗保障局令第2号）"
PRACTITIONER_RULES = "《关于建立定点医药机构相关人员医保支付资格管理制度的指导意见》（医保发〔2024〕23号）"


class Source:
    PENALTY, AGREEMENT, PRACTITIONER = "penalty", "agreement", "practitioner"
    CHOICES = [(PENALTY, "行政处罚"), (AGREEMENT, "协议处理"), (PRACTITIONER, "医保支付资格")]


@dataclass(frozen=True)
class CreditEntry:
    decided_on: date
    subject: str
    subject_kind: str  # 机构 or 个人
    code: str  # 统一社会信用代码 or 身份证号码
    measure: str
    legal_basis: str
    document: str
    period_from: date
    period_to: date | None  # None: in force until lifted (a 中止 not yet ended)
    agency: str
    source: str

    @property
    def is_person(self) -> bool:
        return self.subject_kind == "个人"

    @property
    def shown_code(self) -> str:
        """On screen a person's number keeps its first 6 and last 4 characters; the export carries it whole."""
        return f"{self.code[:6]}{'*' * (len(self.code) - 10)}{self.code[-4:]}" if self.is_person and len(self.code) > 10 else self.code


def _money(label: str, value) -> str:
    return f"{label}{value:,.2f}元" if value else ""


def _penalties(user, term: str) -> Iterator[CreditEntry]:
    decisions = PenaltyDecision.objects.filter(case__in=case_list_for_user(user=user).values("pk")).select_related(
        "subject", "case__agency")
    if term:
        decisions = decisions.filter(Q(subject__name__icontains=term) | Q(subject__identifier=term))
    months = settings.LIANBAN_CREDIT_PENALTY_MONTHS
    for d in decisions.order_by("-decided_on", "-id").iterator(chunk_size=500):
        kinds = "、".join(PenaltyKind(kind).label for kind in d.kinds)
        amounts = "，".join(part for part in (_money("罚款", d.fine_amount), _money("责令退回", d.refund_amount)) if part)
        yield CreditEntry(
            decided_on=d.decided_on, subject=d.subject.name, subject_kind="机构" if d.subject.kind in ORGANISATION_KINDS else "个人",
            code=d.subject.identifier, measure=f"行政处罚：{kinds}" + (f"（{amounts}）" if amounts else ""),
            legal_basis=f"{REGULATION}第三十三条", document=d.document_number, period_from=d.decided_on,
            period_to=add_months(d.decided_on, months), agency=d.case.agency.name, source=Source.PENALTY,
        )


def _agreement_actions(user, term: str) -> Iterator[CreditEntry]:
    actions = AgreementAction.objects.filter(
        kind__in=[ActionKind.SUSPEND, ActionKind.TERMINATE], institution__in=_institutions(user),
    ).select_related("institution", "agency")
    if term:
        actions = actions.filter(Q(institution__name__icontains=term) | Q(institution__uscc=term))
    for a in actions.order_by("-decided_on", "-id").iterator(chunk_size=500):
        until = a.institution.barred_until if a.kind == ActionKind.TERMINATE else a.concluded_on
        ground = f"第四十三条第（{a.ground}）项" if a.ground else ""
        yield CreditEntry(
            decided_on=a.decided_on, subject=a.institution.name, subject_kind="机构", code=a.institution.uscc,
            measure=a.get_kind_display(), legal_basis=AGREEMENT_RULES + ground, document=a.document_number,
            period_from=a.decided_on, period_to=until, agency=a.agency.name, source=Source.AGREEMENT,
        )


def _institutions(user):
    return Institution.objects.filter(visible_institutions_q(agreement_agency_of(user))).values("pk")


def _practitioners(user, term: str) -> Iterator[CreditEntry]:
    """Each 记分 event, and each practitioner's suspension or termination now on record."""
    points = PointRecord.objects.filter(institution__in=_institutions(user)).select_related("practitioner", "institution", "agency")
    barred = Practitioner.objects.filter(
        Q(institution__in=_institutions(user)) | Q(point_records__institution__in=_institutions(user)),
        status__in=[PaymentStatus.SUSPENDED, PaymentStatus.TERMINATED],
    ).distinct().select_related("institution_agency").annotate(last_points=Subquery(
        PointRecord.objects.filter(practitioner=OuterRef("pk")).order_by("-event_date").values("event_date")[:1]))
    if term:
        points = points.filter(Q(practitioner__name__icontains=term) | Q(practitioner__id_number=term))
        barred = barred.filter(Q(name__icontains=term) | Q(id_number=term))
    by_points = (CreditEntry(
        decided_on=p.event_date, subject=p.practitioner.name, subject_kind="个人", code=p.practitioner.id_number,
        measure=f"医保支付资格记分 {p.points} 分（{p.institution.name}）", legal_basis=PRACTITIONER_RULES, document="",
        period_from=p.event_date, period_to=date(p.event_date.year, 12, 31), agency=p.agency.name, source=Source.PRACTITIONER,
    ) for p in points.order_by("-event_date", "-id").iterator(chunk_size=500))
    states = []
    for p in barred:
        if p.status == PaymentStatus.TERMINATED and p.terminated_on:
            states.append(CreditEntry(
                decided_on=p.terminated_on, subject=p.name, subject_kind="个人", code=p.id_number, measure="终止医保支付资格",
                legal_basis=PRACTITIONER_RULES, document="", period_from=p.terminated_on, period_to=p.registration_barred_until,
                agency=p.institution_agency.name, source=Source.PRACTITIONER))
        elif p.status == PaymentStatus.SUSPENDED and p.suspended_until and p.last_points:
            states.append(CreditEntry(
                decided_on=p.last_points, subject=p.name, subject_kind="个人", code=p.id_number, measure="暂停医保支付资格",
                legal_basis=PRACTITIONER_RULES, document="", period_from=p.last_points, period_to=p.suspended_until,
                agency=p.institution_agency.name, source=Source.PRACTITIONER))
    states.sort(key=lambda entry: entry.decided_on, reverse=True)
    return heapq.merge(by_points, states, key=lambda entry: entry.decided_on, reverse=True)


SOURCES = {Source.PENALTY: _penalties, Source.AGREEMENT: _agreement_actions, Source.PRACTITIONER: _practitioners}


def credit_entries(*, user, search: str = "", source: str = "") -> Iterator[CreditEntry]:
    """Newest first across the sources; `search` is a name (part of it) or a full code."""
    term = search.strip()
    chosen = [SOURCES[source]] if source in SOURCES else list(SOURCES.values())
    return heapq.merge(*(read(user, term) for read in chosen), key=lambda entry: entry.decided_on, reverse=True)


def credit_page(*, user, search: str = "", source: str = "", number: int = 1, size: int = 50) -> tuple[list[CreditEntry], bool]:
    """One page of entries and whether there are more (no count: the sources are read only as deep as the page)."""
    start = (number - 1) * size
    rows = list(islice(credit_entries(user=user, search=search, source=source), start, start + size + 1))
    return rows[:size], len(rows) > size
