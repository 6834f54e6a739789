"""医保基金监管统计 (domain §11): the bureau-level figures of seed-003 and the quarterly table of §11.3.

Counting rules (domain §11.3, UNCONFIRMED conventions made explicit here and on the page):
- 家 = distinct institutions (by 统一社会信用代码); 家次 = institution-events (visits, decisions).
- 件 = cases (transfers: distinct cases; penalties: decisions); 人 = distinct persons (by identity
  document); 人次 = person-events.
- The period runs by the decision date (处理日期, 决定日期, 检查日期, 记分日期, police decision); a transfer
  by its transfer date (移送书发出), a received referral by the date it was sent, a lead by its
  registration. Days are Beijing time; both ends of the period are included.
- The region is a 行政区划代码 and covers its sub-regions. Agreement handling, inspections and points
  follow the institution's location; cases, penalties and transfers follow the bureau that handled them.
- Amounts are summed in 元 at full precision and shown in 万元.

The caller decides which region the user may read (leadership.permissions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from agreements import statistics as agreement_statistics
from agencies.dates import format_date
from agencies.regions import region_prefix
from agreements.models import ActionKind, AgreementAction, PointRecord, Practitioner
from agreements.practitioners import SUSPEND_AT_POINTS
from casework.models import (
    NOT_PENALTY_KINDS,
    ORGANISATION_KINDS,
    Case,
    CaseSource,
    Deadline,
    HitVerdict,
    PaymentKind,
    PenaltyDecision,
    PenaltyKind,
    PenaltyPayment,
    ScreeningHit,
    Subject,
)
from inspections.models import Inspection, InspectionKind
from referral.models import CLOSED_STATUSES, FilingDecision, Reconsideration, Referral, ReferralKind, SupervisionProposal
from publication.models import PublicationStatus, TypicalCase
from rewards.models import Reward, RewardStatus
from supervision.models import Supervision, SupervisionStatus

QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
TEN_THOUSAND = Decimal(10000)
CENT = Decimal("0.01")

INSTITUTIONS, VISITS, CASES, PERSONS, PERSON_TIMES, POINTS, WAN_YUAN = "家", "家次", "件", "人", "人次", "分", "万元"
HITS = "条"  # suspicious settlements of a big-data screening list




# --- period and region ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def name(self) -> str:
        """"2026年第三季度" or "2026年" when the period is exactly one; "" otherwise."""
        if self.start.year == self.end.year:
            year = self.start.year
            if (self.start, self.end) == (date(year, 1, 1), date(year, 12, 31)):
                return f"{year}年"
            for quarter in QUARTER_NAMES:
                if (self.start, self.end) == quarter_bounds(year, quarter):
                    return f"{year}年第{QUARTER_NAMES[quarter]}季度"
        return ""

    @property
    def text(self) -> str:
        span = f"{format_date(self.start)}至{format_date(self.end)}"
        return f"{self.name}（{span}）" if self.name else span

    def moments(self) -> tuple[datetime, datetime]:
        """[first moment, moment after the last day) in Beijing time, for date-time fields."""
        zone = timezone.get_default_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )


def period_between(start: date, end: date) -> Period:
    if end < start:
        raise ValidationError({"end": "结束日期不能早于开始日期，请重新选择统计期间。"})
    return Period(start=start, end=end)


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, after - timedelta(days=1)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quick_periods(today: date) -> list[tuple[str, Period]]:
    """The quick choices: this quarter and the three before it, this year and last year."""
    year, quarter = today.year, quarter_of(today)
    choices = []
    for _ in range(4):
        period = Period(*quarter_bounds(year, quarter))
        choices.append((period.name, period))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    for year in (today.year, today.year - 1):
        period = Period(date(year, 1, 1), date(year, 12, 31))
        choices.append((period.name, period))
    return choices


@dataclass(frozen=True)
class Region:
    code: str  # 行政区划代码; covers its sub-regions
    name: str

    @property
    def prefix(self) -> str:
        return region_prefix(self.code)


# --- figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One number of a table. Amounts are in 万元 (`value`), with the exact 元 kept in `yuan`."""

    label: str
    unit: str
    value: int | Decimal
    group: str = ""
    yuan: Decimal | None = None

    @property
    def is_amount(self) -> bool:
        return self.unit == WAN_YUAN


def amount(label: str, yuan: Decimal | None, group: str = "") -> Figure:
    yuan = (yuan or Decimal("0")).quantize(CENT)  # SQLite's SUM drops trailing zeros
    return Figure(label=label, unit=WAN_YUAN, value=yuan / TEN_THOUSAND, group=group, yuan=yuan)


@dataclass(frozen=True)
class Report:
    period: Period
    region: Region
    bureau: list[Figure]  # seed-003, in the order of domain §11.1
    quarterly: list[Figure]  # domain §11.3, the columns the data supports
    generated_at: datetime
    discipline_withheld: bool = True  # the 移送纪检监察机关 count is left out for this reader

    @property
    def title(self) -> str:
        return f"{self.region.name}医保基金监管统计（{self.period.text}）"

    def figure(self, label: str, unit: str | None = None, *, table: str = "bureau") -> Figure:
        rows = self.bureau if table == "bureau" else self.quarterly
        return next(f for f in rows if f.label == label and (unit is None or f.unit == unit))


# The seed-003 labels, exactly as domain §11.1 writes them.
FULL_COVERAGE = '"全覆盖"检查定点医药机构'
INTERVIEWED = "约谈定点医药机构"
HANDLED = "处理定点医药机构"
TERMINATED = "解除医保服务(协议)"
SUSPENDED = "暂停医保服务(协议)"
PENALISED = "行政处罚定点医药机构"
TRANSFERRED_CASES = "移送公安机关案件"
TRANSFERRED_SUSPECTS = "移送涉案嫌疑人员"


# --- the rows each figure counts ----------------------------------------------------------------------


def _inspections(period: Period, region: Region) -> QuerySet[Inspection]:
    return Inspection.objects.filter(
        inspected_on__range=(period.start, period.end), institution__region_code__startswith=region.prefix
    )


def _actions(period: Period, region: Region, kinds: Iterable[str] | None = None) -> QuerySet[AgreementAction]:
    """协议处理 decided in the period on institutions of the region (the rule of agreements.statistics)."""
    actions = AgreementAction.objects.filter(
        decided_on__range=(period.start, period.end), institution__region_code__startswith=region.prefix
    )
    return actions if kinds is None else actions.filter(kind__in=list(kinds))


def _penalties(period: Period, region: Region) -> QuerySet[PenaltyDecision]:
    return PenaltyDecision.objects.filter(
        decided_on__range=(period.start, period.end), case__agency__region_code__startswith=region.prefix
    )


def _transfers(period: Period, region: Region) -> QuerySet[Referral]:
    """Criminal transfers whose 移送书 went out in the period, from bureaus of the region."""
    start, end = period.moments()
    return Referral.objects.filter(
        kind=ReferralKind.CRIMINAL_TRANSFER, sent_at__gte=start, sent_at__lt=end,
        from_agency__region_code__startswith=region.prefix,
    )


def _tally(queryset: QuerySet, field: str) -> tuple[int, int]:
    """(distinct `field`, rows)."""
    counts = queryset.aggregate(distinct=Count(field, distinct=True), rows=Count("pk"))
    return counts["distinct"], counts["rows"]


@dataclass(frozen=True)
class PenaltyCounts:
    decisions: int  # 件: decisions imposing at least one penalty (not only 责令退回)
    institutions: set[str]  # 统一社会信用代码 of institutions penalised
    institution_decisions: int  # 家次
    persons: set[tuple[str, str]]  # persons penalised
    all_institutions: set[str]  # institutions with any decision (also 责令退回 only): "handled"
    settlement_suspended: set[tuple[str, str]]  # persons whose 联网结算 was suspended
    fines: Decimal
    refunds: Decimal


def _penalty_counts(period: Period, region: Region) -> PenaltyCounts:
    rows = _penalties(period, region).values_list("kinds", "subject__kind", "subject__identifier_type", "subject__identifier")
    decisions = institution_decisions = 0
    institutions, persons, everyone, suspended = set(), set(), set(), set()
    for kinds, kind, id_type, identifier in rows:
        organisation = kind in ORGANISATION_KINDS
        if organisation:
            everyone.add(identifier)
        if PenaltyKind.SUSPEND_SETTLEMENT in kinds and not organisation:
            suspended.add((id_type, identifier))
        if not set(kinds) - NOT_PENALTY_KINDS:
            continue  # 责令退回 only: not an administrative penalty
        decisions += 1
        if organisation:
            institutions.add(identifier)
            institution_decisions += 1
        else:
            persons.add((id_type, identifier))
    sums = _penalties(period, region).aggregate(fines=Sum("fine_amount"), refunds=Sum("refund_amount"))
    return PenaltyCounts(
        decisions=decisions, institutions=institutions, institution_decisions=institution_decisions, persons=persons,
        all_institutions=everyone, settlement_suspended=suspended,
        fines=sums["fines"] or Decimal("0.00"), refunds=sums["refunds"] or Decimal("0.00"),
    )


@dataclass(frozen=True)
class TransferCounts:
    cases: int  # 件: distinct cases
    suspects: int  # 人: distinct persons among the parties the package named
    amount: Decimal  # 元, once per case


def _transfer_counts(period: Period, region: Region) -> TransferCounts:
    """A suspect is a party of the case who is a person (not an institution) and was on the case when
    the 移送书 went out; the same person in two transferred cases counts once. A case transferred twice
    in the period counts once, with the amount of its latest transfer.

    Counted by the database: the period's transfers of a province at 1M cases are tens of thousands,
    and loading each with its case and parties was most of the 统计 page's 15 s (bench/README.md)."""
    transfers = _transfers(period, region).filter(case__isnull=False)
    cases = dict(transfers.order_by("sent_at", "id").values_list("case_id", "amount"))  # the latest transfer's last
    on_the_case_when_sent = transfers.filter(case_id=OuterRef("case_id"), sent_at__gte=OuterRef("added_at"))
    suspects = (
        Subject.objects.exclude(kind__in=ORGANISATION_KINDS).filter(Exists(on_the_case_when_sent))
        .values_list("identifier_type", "identifier").distinct().count()
    )
    return TransferCounts(cases=len(cases), suspects=suspects, amount=sum(cases.values(), Decimal("0.00")))


def _institutions_handled(period: Period, region: Region, penalties: PenaltyCounts) -> int:
    """处理定点医药机构: any 协议处理 or any administrative decision of the MSB, one institution once."""
    by_agreement = set(_actions(period, region).values_list("institution__uscc", flat=True))
    return len(by_agreement | penalties.all_institutions)


# --- the two tables --------------------------------------------------------------------------------------


def bureau_figures(*, period: Period, region: Region, penalties: PenaltyCounts | None = None,
                   transfers: TransferCounts | None = None) -> list[Figure]:
    """The seed-003 figures (镇江 2023 labels), in the order of domain §11.1."""
    penalties = penalties or _penalty_counts(period, region)
    transfers = transfers or _transfer_counts(period, region)
    window = {"start": period.start, "end": period.end, "region_code": region.code}
    covered = _inspections(period, region).filter(kind__in=settings.LIANBAN_STATISTICS_FULL_COVERAGE_KINDS)
    return [
        Figure(FULL_COVERAGE, INSTITUTIONS, _tally(covered, "institution")[0]),
        Figure(INTERVIEWED, INSTITUTIONS, agreement_statistics.institutions_interviewed(**window).institutions),
        Figure(HANDLED, INSTITUTIONS, _institutions_handled(period, region, penalties)),
        Figure(TERMINATED, INSTITUTIONS, agreement_statistics.agreements_terminated(**window).institutions),
        Figure(SUSPENDED, INSTITUTIONS, agreement_statistics.agreements_suspended(**window).institutions),
        Figure(PENALISED, INSTITUTIONS, len(penalties.institutions)),
        Figure(TRANSFERRED_CASES, CASES, transfers.cases),
        Figure(TRANSFERRED_SUSPECTS, PERSONS, transfers.suspects),
    ]


AGREEMENT_MEASURES = [
    ("约谈", [ActionKind.INTERVIEW]),
    ("限期整改", [ActionKind.RECTIFY]),
    ("拒付/追回", [ActionKind.WITHHOLD, ActionKind.RECOVER]),
    ("违约金", [ActionKind.PENALTY]),
    ("中止/暂停协议", [ActionKind.SUSPEND]),
    ("解除协议", [ActionKind.TERMINATE]),
    ("暂停结算", [ActionKind.SUSPEND_SETTLEMENT]),
    ("中止相关人员或部门医药服务", [ActionKind.SUSPEND_SERVICE]),
]


def _inspection_rows(period: Period, region: Region) -> list[Figure]:
    group = "监督检查"
    inspections = _inspections(period, region)
    institutions, visits = _tally(inspections, "institution")
    by_kind = dict(inspections.values_list("kind").annotate(n=Count("pk")).order_by())
    return [
        Figure("检查定点医药机构", INSTITUTIONS, institutions, group),
        Figure("检查定点医药机构", VISITS, visits, group),
        *(Figure(f"其中：{label}", VISITS, by_kind.get(kind, 0), group) for kind, label in InspectionKind.choices),
    ]


def _agreement_rows(period: Period, region: Region) -> list[Figure]:
    group = "协议处理（经办机构）"
    institutions, actions = _tally(_actions(period, region), "institution")
    rows = [Figure("协议处理定点医药机构", INSTITUTIONS, institutions, group), Figure("协议处理定点医药机构", VISITS, actions, group)]
    for label, kinds in AGREEMENT_MEASURES:
        institutions, actions = _tally(_actions(period, region, kinds), "institution")
        rows += [Figure(label, INSTITUTIONS, institutions, group), Figure(label, VISITS, actions, group)]
    for label, kind in (("追回违规费用", ActionKind.RECOVER), ("违约金", ActionKind.PENALTY), ("暂停拨付/不予拨付", ActionKind.WITHHOLD)):
        rows.append(amount(f"{label}金额", _actions(period, region, [kind]).aggregate(s=Sum("amount"))["s"], group))
    return rows


def _penalty_rows(penalties: PenaltyCounts) -> list[Figure]:
    group = "行政处罚（医疗保障行政部门）"
    return [
        Figure("行政处罚决定", CASES, penalties.decisions, group),
        Figure(PENALISED, INSTITUTIONS, len(penalties.institutions), group),
        Figure(PENALISED, VISITS, penalties.institution_decisions, group),
        Figure("行政处罚个人", PERSONS, len(penalties.persons), group),
        amount("罚款金额", penalties.fines, group),
        amount("责令退回医保基金金额", penalties.refunds, group),
        Figure("暂停参保人员医疗费用联网结算", PERSONS, len(penalties.settlement_suspended), group),
    ]


def _payment_rows(period: Period, region: Region) -> list[Figure]:
    """追回到账 (casework.payments): what came in during the period, whenever it was decided."""
    group = "行政处罚（医疗保障行政部门）"
    paid = PenaltyPayment.objects.filter(
        paid_on__range=(period.start, period.end), decision__case__agency__region_code__startswith=region.prefix
    )
    return [
        amount("罚款到账金额", paid.filter(kind=PaymentKind.FINE).aggregate(s=Sum("amount"))["s"], group),
        amount("退回医保基金到账金额", paid.filter(kind=PaymentKind.REFUND).aggregate(s=Sum("amount"))["s"], group),
    ]


def _practitioner_rows(period: Period, region: Region) -> list[Figure]:
    group = "医保支付资格（定点医药机构相关人员）"
    records = PointRecord.objects.filter(
        event_date__range=(period.start, period.end), institution__region_code__startswith=region.prefix
    )
    persons, times = _tally(records, "practitioner")
    terminated = Practitioner.objects.filter(
        terminated_on__range=(period.start, period.end), institution__region_code__startswith=region.prefix
    ).count()
    return [
        Figure("记分", PERSONS, persons, group),
        Figure("记分", PERSON_TIMES, times, group),
        Figure("记分分值合计", POINTS, records.aggregate(total=Sum("points"))["total"] or 0, group),
        Figure("暂停医保支付资格", PERSONS, _suspended(period, region), group),
        Figure("终止医保支付资格", PERSONS, terminated, group),
    ]


def _suspended(period: Period, region: Region) -> int:
    """Persons whose points of a calendar year reached 9 (a 暂停) on a day within the period: the
    record that crossed the line dates the suspension (agreements.practitioners, 医保发〔2024〕23号)."""
    years = range(period.start.year, period.end.year + 1)
    records = PointRecord.objects.filter(
        event_date__year__in=list(years), institution__region_code__startswith=region.prefix
    ).order_by("practitioner_id", "event_date", "id").values_list("practitioner_id", "event_date", "points")
    running: dict[tuple[int, int], int] = {}
    suspended = set()
    for person, day, points in records:
        key = (person, day.year)
        before = running.get(key, 0)
        running[key] = before + points
        if before < SUSPEND_AT_POINTS <= running[key] and period.start <= day <= period.end:
            suspended.add(person)
    return len(suspended)


def _police_rows(period: Period, region: Region, transfers: TransferCounts) -> list[Figure]:
    group = "移送公安机关（行刑衔接）"
    start, end = period.moments()
    ours = Q(from_agency__region_code__startswith=region.prefix, kind=ReferralKind.CRIMINAL_TRANSFER)
    decided = Referral.objects.filter(ours, decided_at__gte=start, decided_at__lt=end)
    on_referral = {"referral__from_agency__region_code__startswith": region.prefix}
    return [
        Figure(TRANSFERRED_CASES, CASES, transfers.cases, group),
        Figure(TRANSFERRED_SUSPECTS, PERSONS, transfers.suspects, group),
        amount("移送案件涉案金额", transfers.amount, group),
        Figure("公安机关立案", CASES, decided.filter(decision=FilingDecision.FILE).count(), group),
        Figure("公安机关不予立案", CASES, decided.filter(decision=FilingDecision.DECLINE).count(), group),
        Figure("提请复议", CASES, Reconsideration.objects.filter(requested_at__gte=start, requested_at__lt=end, **on_referral).count(), group),
        Figure("建议人民检察院立案监督", CASES, SupervisionProposal.objects.filter(
            proposed_at__gte=start, proposed_at__lt=end, **on_referral).count(), group),
    ]


DISCIPLINE_REFERRALS = "移送纪检监察机关"


def _referral_rows(period: Period, region: Region, *, discipline: bool) -> list[Figure]:
    group = "移送与来文"
    start, end = period.moments()
    sent = Referral.objects.filter(sent_at__gte=start, sent_at__lt=end)
    incoming = sent.filter(to_agency__region_code__startswith=region.prefix)
    outgoing = sent.filter(from_agency__region_code__startswith=region.prefix)
    rows = [
        Figure(f"收到{ReferralKind(kind).label}", CASES, incoming.filter(kind=kind).count(), group)
        for kind in (ReferralKind.REVERSE_TRANSFER, ReferralKind.PROC_OPINION, ReferralKind.FLY_HANDOVER, ReferralKind.ASSIGNED_CLUE)
    ]
    rows += [
        Figure(ReferralKind(kind).label, CASES, outgoing.filter(kind=kind).count(), group)
        for kind in (ReferralKind.HEALTH, ReferralKind.MARKET)
    ]
    if discipline:  # confidential: only for the roles of LIANBAN_STATISTICS_DISCIPLINE_ROLES
        rows.append(Figure(DISCIPLINE_REFERRALS, CASES, outgoing.filter(kind=ReferralKind.DISCIPLINE).count(), group))
    return rows


def _lead_rows(period: Period, region: Region) -> list[Figure]:
    group = "线索"
    start, end = period.moments()
    cases = Case.objects.filter(agency__region_code__startswith=region.prefix)
    rows = []
    for source in (CaseSource.TIP, CaseSource.BIG_DATA):
        label = CaseSource(source).label
        of_source = cases.filter(source=source)
        rows += [
            Figure(f"{label}线索：登记", CASES, of_source.filter(registered_at__gte=start, registered_at__lt=end).count(), group),
            Figure(f"{label}线索：立案", CASES, of_source.filter(filed_at__gte=start, filed_at__lt=end).count(), group),
        ]
    hits = ScreeningHit.objects.filter(agency__region_code__startswith=region.prefix, imported_at__gte=start, imported_at__lt=end)
    rows.append(Figure("大数据筛查疑点：导入", HITS, hits.count(), group))
    # 逐条反馈 (casework.screening_feedback): what was fed back in the period, whenever it was imported
    checked = ScreeningHit.objects.filter(agency__region_code__startswith=region.prefix, checked_at__gte=start, checked_at__lt=end)
    found = checked.filter(verdict__in=[HitVerdict.CONFIRMED, HitVerdict.PARTLY])
    rows += [
        Figure("大数据筛查疑点：反馈", HITS, checked.count(), group),
        Figure("大数据筛查疑点：核查属实（含部分属实）", HITS, found.count(), group),
        amount("大数据筛查疑点：核实违规金额", found.aggregate(total=Sum("confirmed_amount"))["total"], group),
    ]
    return rows



def _reward_rows(period: Period, region: Region) -> list[Figure]:
    """兑现举报奖励 (rewards): the rewards paid to reporters in the period."""
    paid = Reward.objects.filter(status=RewardStatus.PAID, paid_on__range=(period.start, period.end),
                                 case__agency__region_code__startswith=region.prefix)
    group = "线索"
    return [
        Figure("兑现举报奖励", CASES, paid.count(), group),
        amount("兑现举报奖励金额", paid.aggregate(total=Sum("amount"))["total"], group),
    ]


def _publication_rows(period: Period, region: Region) -> list[Figure]:
    """曝光典型案例 (publication): cases published in the period, also those withdrawn since."""
    published = TypicalCase.objects.filter(
        status__in=[PublicationStatus.PUBLISHED, PublicationStatus.WITHDRAWN], published_on__range=(period.start, period.end),
        case__agency__region_code__startswith=region.prefix,
    )
    return [Figure("曝光典型案例", CASES, published.count(), "行政处罚（医疗保障行政部门）")]


def _fly_handover_rows(period: Period, region: Region) -> list[Figure]:
    """飞行检查移交 received by the bureaus of the region (令第6号): progress reported and written reports
    sent in the period; still being handled, and overdue (a report past its time), as the table is drawn."""
    group = "飞行检查移交"
    start, end = period.moments()
    handovers = Referral.objects.filter(kind=ReferralKind.FLY_HANDOVER, sent_at__isnull=False,
                                        to_agency__region_code__startswith=region.prefix)
    open_now = handovers.filter(final_reported_at__isnull=True).exclude(status__in=CLOSED_STATUSES)
    late = Deadline.objects.overdue().filter(target_type="referral.referral").annotate(key=Cast("target_id", IntegerField()))
    return [
        Figure("飞行检查移交：报送处理进度和整改方案", CASES, handovers.filter(replied_at__gte=start, replied_at__lt=end).count(), group),
        Figure("飞行检查移交：书面报告查处整改结果", CASES,
               handovers.filter(final_reported_at__gte=start, final_reported_at__lt=end).count(), group),
        Figure("飞行检查移交：办理中（制表时）", CASES, open_now.count(), group),
        Figure("飞行检查移交：逾期未报（制表时）", CASES, open_now.filter(pk__in=late.values("key")).count(), group),
    ]

def _supervision_rows(period: Period, region: Region) -> list[Figure]:
    """挂牌督办 of cases handled in the region: listed and signed off within the period; still under
    supervision, and overdue (a duty past its time and not done), as the table is drawn."""
    group = "挂牌督办"
    start, end = period.moments()
    supervised = Supervision.objects.filter(case__agency__region_code__startswith=region.prefix)
    open_now = supervised.filter(status__in=[SupervisionStatus.ACTIVE, SupervisionStatus.REVIEW])
    late = Deadline.objects.overdue().filter(target_type="supervision.supervision").annotate(key=Cast("target_id", IntegerField()))
    overdue = open_now.filter(pk__in=late.values("key"))
    return [
        Figure("挂牌督办案件：新挂牌", CASES, supervised.filter(decided_at__gte=start, decided_at__lt=end,
                                                      notice__isnull=False).count(), group),
        Figure("挂牌督办案件：审核销号", CASES, supervised.filter(status=SupervisionStatus.CLOSED, closed_at__gte=start,
                                                       closed_at__lt=end).count(), group),
        Figure("挂牌督办案件：督办中（制表时）", CASES, open_now.count(), group),
        Figure("挂牌督办案件：逾期未报（制表时）", CASES, overdue.count(), group),
    ]


def quarterly_table(*, period: Period, region: Region, penalties: PenaltyCounts | None = None,
                    transfers: TransferCounts | None = None, discipline: bool = False) -> list[Figure]:
    """医保基金工作情况统计表 (domain §11.3): the proposed columns the case data supports, as rows."""
    penalties = penalties or _penalty_counts(period, region)
    transfers = transfers or _transfer_counts(period, region)
    return [
        *_inspection_rows(period, region),
        *_agreement_rows(period, region),
        *_penalty_rows(penalties),
        *_payment_rows(period, region),
        *_practitioner_rows(period, region),
        *_police_rows(period, region, transfers),
        *_referral_rows(period, region, discipline=discipline),
        *_supervision_rows(period, region),
        *_fly_handover_rows(period, region),
        *_lead_rows(period, region),
        *_reward_rows(period, region),
        *_publication_rows(period, region),
    ]


def statistics_report(*, period: Period, region: Region, discipline: bool = False) -> Report:
    """`discipline`: with the count of referrals to the discipline bodies (for the roles allowed to read it)."""
    penalties, transfers = _penalty_counts(period, region), _transfer_counts(period, region)
    return Report(
        period=period, region=region,
        bureau=bureau_figures(period=period, region=region, penalties=penalties, transfers=transfers),
        quarterly=quarterly_table(period=period, region=region, penalties=penalties, transfers=transfers, discipline=discipline),
        generated_at=timezone.localtime(),
        discipline_withheld=not discipline,
    )
