"""逐条核查、逐条反馈、逐级上报 (domain §3, SRC-BIGDATA): each hit of an imported screening list is
checked and fed back on its own — 属实 / 部分属实 / 不属实, the violation amount found and how it was
checked — rolled up per lead on the case page and per bureau in the workbook it reports upwards.

The feedback belongs to the bureau that imported the list: any of its officers who may see the
lead and act for the bureau gives it, also after the lead was closed unfiled (a hit found
unfounded is the usual reason to close one). Giving it again corrects it; both are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from agencies.audit import audit_append
from agencies.permissions import ACT_FOR_AGENCY, can_act_for
from casework.models import Case, HitVerdict, ScreeningHit
from casework.permissions import can_view_case

FOUND = (HitVerdict.CONFIRMED, HitVerdict.PARTLY)  # a violation was found: the amount is what was found


def can_feed_back_hits(user, case: Case) -> bool:
    """An officer of the bureau that holds the lead, who may see it and act for the bureau."""
    return can_view_case(user, case) and can_act_for(user, case.agency, ACT_FOR_AGENCY)


@transaction.atomic
def screening_hit_check(*, user, hit: ScreeningHit, verdict: str, confirmed_amount: Decimal | None, note: str) -> ScreeningHit:
    """Record (or correct) the feedback of one hit. Raises ValidationError naming each wrong field;
    nothing changes then."""
    hit = ScreeningHit.objects.select_for_update().select_related("case__agency").get(pk=hit.pk)
    if not can_feed_back_hits(user, hit.case):
        raise PermissionDenied("只有导入该清单的医疗保障局的工作人员可以反馈核查结果。")
    errors = {}
    if verdict not in HitVerdict.values:
        errors["verdict"] = "请选择核查结论：属实、部分属实或不属实。"
    if verdict in FOUND and (confirmed_amount is None or confirmed_amount <= 0):
        errors["confirmed_amount"] = "核查属实或部分属实的，请填写核实的违规金额（大于 0）。"
    elif verdict == HitVerdict.UNFOUNDED and confirmed_amount not in (None, Decimal("0")):
        errors["confirmed_amount"] = "核查结论为不属实的，核实违规金额应为 0 或不填。"
    if not note.strip():
        errors["note"] = "请填写核查情况：如何核查的，发现了什么或为何排除。"
    if errors:
        raise ValidationError(errors)

    corrected = bool(hit.verdict)
    before = {"verdict": hit.verdict, "confirmed_amount": hit.confirmed_amount}
    hit.verdict = verdict
    hit.confirmed_amount = confirmed_amount if verdict in FOUND else Decimal("0")
    hit.check_note, hit.checked_by, hit.checked_at = note.strip(), user, timezone.now()
    hit.save(update_fields=["verdict", "confirmed_amount", "check_note", "checked_by", "checked_at"])
    label = HitVerdict(verdict).label
    audit_append(
        actor=user, verb="screening.hit_checked", target=hit.case, agency=hit.case.agency, thread=f"case:{hit.case_id}",
        summary=f"{'更正' if corrected else ''}大数据筛查疑点 {hit.hit_id} 核查反馈：{label}"
        + (f"，核实违规金额 {hit.confirmed_amount} 元" if verdict in FOUND else ""),
        data={"hit": hit.hit_id, "verdict": verdict, "confirmed_amount": hit.confirmed_amount,
              **({"before": before} if corrected else {})},
    )
    return hit


@dataclass(frozen=True)
class Rollup:
    """A lead's (or a bureau's) hits by 核查结论, with the amounts suspected and found."""

    total: int
    pending: int
    confirmed: int
    partly: int
    unfounded: int
    amount: Decimal  # 涉及金额 of all the hits
    found: Decimal  # 核实违规金额

    @property
    def checked(self) -> int:
        return self.total - self.pending


def hit_rollup(hits: QuerySet[ScreeningHit]) -> Rollup:
    """One query: the counts by verdict and the two sums."""
    row = hits.order_by().aggregate(
        total=Count("pk"), pending=Count("pk", filter=Q(verdict="")),
        confirmed=Count("pk", filter=Q(verdict=HitVerdict.CONFIRMED)), partly=Count("pk", filter=Q(verdict=HitVerdict.PARTLY)),
        unfounded=Count("pk", filter=Q(verdict=HitVerdict.UNFOUNDED)), amount=Sum("amount"), found=Sum("confirmed_amount"),
    )
    cent = Decimal("0.01")
    return Rollup(**{**row, "amount": (row["amount"] or Decimal(0)).quantize(cent), "found": (row["found"] or Decimal(0)).quantize(cent)})


FEEDBACK_COLUMNS = (
    "线索编号", "筛查模型", "定点医药机构", "统一社会信用代码", "参保人姓名", "身份证号", "结算日期", "涉及金额（元）", "疑点描述",
    "核查结论", "核实违规金额（元）", "核查情况", "核查人", "反馈时间", "案件编号", "案件名称",
)


def feedback_workbook(hits: QuerySet[ScreeningHit], *, agency_name: str) -> bytes:
    """The feedback to report upwards (逐级上报): one row a hit in the columns of the list it came in,
    then the result; hits not checked yet say 待核查."""
    book = Workbook()
    sheet = book.active
    sheet.title = "核查反馈"
    sheet.append([f"{agency_name}大数据筛查疑点核查反馈表（{timezone.localdate():%Y年%m月%d日}导出）"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(FEEDBACK_COLUMNS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for hit in hits.select_related("case", "checked_by").order_by("hit_id"):
        sheet.append([
            hit.hit_id, hit.model_name, hit.institution, hit.uscc, hit.insured_name, hit.insured_id, hit.settled_on,
            hit.amount, hit.description, hit.get_verdict_display() or "待核查",
            hit.confirmed_amount if hit.verdict else None, hit.check_note,
            (hit.checked_by.get_full_name() or hit.checked_by.username) if hit.checked_by else "",
            timezone.localtime(hit.checked_at).replace(tzinfo=None) if hit.checked_at else None,
            hit.case.number, hit.case.title,
        ])
    for column, width in zip("ABCDEFGHIJKLMNOP", (18, 14, 28, 22, 10, 20, 12, 14, 36, 10, 16, 36, 10, 18, 24, 30), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        row[6].number_format, row[13].number_format = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
        row[7].number_format = row[10].number_format = "#,##0.00"
    sheet.freeze_panes = "A3"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
