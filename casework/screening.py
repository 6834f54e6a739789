"""大数据模型筛查线索 (domain §3, SRC-BIGDATA): a list of suspicious settlements, imported as leads.

The national and provincial models send each bureau a spreadsheet of hits (.xlsx or .csv, one row a
suspicious settlement). Importing it is two steps: `screening_preview` reads the file and says, row by
row, what is wrong with it (nothing is stored while any row is wrong), and how the hits group into
leads — one lead per 定点医药机构, by its 统一社会信用代码 (or its name) — and which hits were
imported before; once confirmed, casework.screening_jobs registers those leads through the case flow,
out of the request and in chunks, each with its institution as the party and its hits kept as
ScreeningHit rows. A hit's 线索编号 is imported once per bureau: the same file imported again
registers nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError

from agencies.permissions import officer_of
from casework.identifiers import validate_resident_id, validate_uscc
from casework.models import Case, ScreeningHit, ScreeningImportState
from casework.permissions import can_register_leads
from casework.screening_jobs import screening_job_create, screening_job_run

# The columns of a model's list, by their Chinese headers (the order in the file does not matter).
COLUMNS = {
    "线索编号": "hit_id",
    "筛查模型": "model_name",
    "定点医药机构": "institution",
    "统一社会信用代码": "uscc",
    "参保人姓名": "insured_name",
    "身份证号": "insured_id",
    "结算日期": "settled_on",
    "涉及金额": "amount",
    "疑点描述": "description",
}
REQUIRED = ("线索编号", "定点医药机构", "涉及金额", "疑点描述")
MAX_ROWS = 50_000
HEADER_SEARCH_ROWS = 10  # rows above the column names (a title, a date line) that a file may have
LOOKUP_CHUNK = 5_000  # 线索编号 looked up a query at a time (SQLite allows so many parameters)


@dataclass(frozen=True)
class Hit:
    row: int  # the row number in the file (the header is row 1)
    hit_id: str
    model_name: str
    institution: str
    uscc: str
    insured_name: str
    insured_id: str
    settled_on: date | None
    amount: Decimal
    description: str

    @property
    def group_key(self) -> str:
        return self.uscc or self.institution


@dataclass
class Group:
    """The hits of one institution: one lead."""

    institution: str
    uscc: str
    hits: list[Hit] = field(default_factory=list)
    imported_before: int = 0

    @property
    def amount(self) -> Decimal:
        return sum((hit.amount for hit in self.hits), Decimal("0"))


@dataclass
class Preview:
    rows: int
    errors: list[str]  # 「第3行：身份证号……」
    groups: list[Group]  # the leads the import would register (hits not imported before)
    imported_before: int  # hits of the file already imported by this bureau

    @property
    def new_hits(self) -> int:
        return sum(len(group.hits) for group in self.groups)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _table(name: str, content: bytes) -> list[list]:
    """The file's rows as lists of cells (an .xlsx's first sheet, or a .csv in UTF-8 or GB18030)."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ValidationError(f"无法读取 .xlsx 文件：{exc}") from exc
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return list(csv.reader(io.StringIO(content.decode(encoding))))
            except UnicodeDecodeError:
                continue
        raise ValidationError("无法识别 .csv 文件的编码，请以 UTF-8 或 GB18030 保存。")
    raise ValidationError("请上传 .xlsx 或 .csv 文件。")


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError("结算日期应为“2026-11-03”的形式") from exc


def _hit(row_number: int, cells: dict[str, object]) -> Hit:
    """One row as a Hit; ValueError with every problem of the row."""
    problems = [f"{name}不能为空" for name in REQUIRED if not _text(cells.get(name))]
    amount = Decimal("0")
    try:
        amount = Decimal(_text(cells.get("涉及金额")).replace(",", "") or "0")
        if amount < 0 or amount.as_tuple().exponent < -2:
            problems.append("涉及金额应为不小于0、最多两位小数的数")
    except InvalidOperation:
        problems.append("涉及金额应为数字")
    uscc, insured_id = _text(cells.get("统一社会信用代码")).upper(), _text(cells.get("身份证号")).upper()
    for value, validate in ((uscc, validate_uscc), (insured_id, validate_resident_id)):
        if value:
            try:
                validate(value)
            except ValidationError as exc:
                problems.extend(message.rstrip("。") for message in exc.messages)
    settled_on = None
    try:
        settled_on = _date(cells.get("结算日期"))
    except ValueError as exc:
        problems.append(str(exc))
    if len(_text(cells.get("线索编号"))) > 64:
        problems.append("线索编号最长64个字符")
    if problems:
        raise ValueError("；".join(problems))
    return Hit(
        row=row_number, hit_id=_text(cells["线索编号"]), model_name=_text(cells.get("筛查模型"))[:60],
        institution=_text(cells["定点医药机构"])[:200], uscc=uscc, insured_name=_text(cells.get("参保人姓名"))[:60],
        insured_id=insured_id, settled_on=settled_on, amount=amount, description=_text(cells["疑点描述"]),
    )


def screening_preview(*, user, name: str, content: bytes) -> Preview:
    """What importing the file would do, and every row that is wrong (nothing is stored)."""
    officer = officer_of(user)
    if officer is None or not can_register_leads(user):
        raise PermissionDenied("只有医疗保障局的工作人员可以导入筛查线索。")
    table = [(number, row) for number, row in enumerate(_table(name, content), start=1) if any(_text(cell) for cell in row)]
    if not table:
        raise ValidationError("文件是空的。")
    # The header is the first row naming the required columns: a model's export may open with a title.
    start = next((i for i, (_, row) in enumerate(table[:HEADER_SEARCH_ROWS])
                  if set(REQUIRED) <= {_text(cell) for cell in row}), 0)
    headers = [_text(cell) for cell in table[start][1]]
    missing = [name for name in REQUIRED if name not in headers]
    if missing:
        raise ValidationError(f"缺少必需的列：{'、'.join(missing)}。列名行应包括：{'、'.join(COLUMNS)}。")
    rows = table[start + 1:]
    if len(rows) > MAX_ROWS:
        raise ValidationError(f"一个文件最多 {MAX_ROWS} 行，请分成几个文件导入。")
    hits, errors, seen = [], [], {}
    for number, row in rows:
        cells = {header: row[index] if index < len(row) else None for index, header in enumerate(headers) if header}
        try:
            hit = _hit(number, cells)
        except ValueError as exc:
            errors.append(f"第{number}行：{exc}")
            continue
        if hit.hit_id in seen:
            errors.append(f"第{number}行：线索编号 {hit.hit_id} 与第{seen[hit.hit_id]}行重复")
            continue
        seen[hit.hit_id] = number
        hits.append(hit)
    before: set[str] = set()
    for start in range(0, len(hits), LOOKUP_CHUNK):
        before.update(ScreeningHit.objects.filter(
            agency=officer.agency, hit_id__in=[hit.hit_id for hit in hits[start:start + LOOKUP_CHUNK]]
        ).values_list("hit_id", flat=True))
    groups: dict[str, Group] = {}
    for hit in hits:
        group = groups.setdefault(hit.group_key, Group(institution=hit.institution, uscc=hit.uscc))
        if hit.hit_id in before:
            group.imported_before += 1
        else:
            group.hits.append(hit)
    return Preview(rows=len(rows), errors=errors, groups=[g for g in groups.values() if g.hits], imported_before=len(before))


def screening_import(*, user, name: str, content: bytes) -> list[Case]:
    """Preview the file and run its import here and now (casework.screening_jobs), for scripts and the
    benchmark: the leads registered, one per institution, for the hits not imported before. Refuses a
    file with errors; a failed run raises its reason (what it registered before stays)."""
    preview = screening_preview(user=user, name=name, content=content)
    job = screening_job_run(job_id=screening_job_create(user=user, name=PurePath(name).name, preview=preview).pk)
    if job.state == ScreeningImportState.FAILED:
        raise ValidationError(job.error)
    return list(Case.objects.filter(pk__in=job.case_ids).order_by("pk"))
