"""联席会议 (domain §8): set up the mechanism, convene a meeting with its agenda (cases, and the
overdue or blocked resolutions of earlier meetings), record attendance, issue the numbered 纪要 whose
议定事项 become action items of their 牵头单位, and follow them to the end.

Every write is one transaction and audited on the mechanism's thread."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from agencies.audit import audit_append
from agencies.models import Agency, AgencyKind
from agencies.numbering import allocate_number
from agencies.permissions import ACT_FOR_AGENCY, APPROVE_CASE, ISSUE_DOCUMENTS, can_act_for, officer_of
from casework.models import Case
from meetings.letters.minutes import Attendee, Decided, Minutes, build_minutes
from meetings.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    Mechanism,
    Membership,
    Resolution,
    ResolutionStatus,
    ResolutionUpdate,
)
from notifications.services import notify
from referral.events import agency_handlers


def _audit(mechanism: Mechanism, *, actor, verb: str, summary: str, target, agency: Agency) -> None:
    audit_append(actor=actor, verb=verb, target=target, agency=agency, thread=f"mechanism:{mechanism.pk}", summary=summary)


def _handlers(agencies) -> list:
    return [user for agency in agencies for user in agency_handlers(agency)]


def meeting_url(meeting: Meeting) -> str:
    return reverse("meetings:meeting", args=[meeting.pk])


def resolution_url(resolution: Resolution) -> str:
    return reverse("meetings:resolution", args=[resolution.pk])


@transaction.atomic
def mechanism_create(
    *, user, name: str, convenor: str, members: list[Agency], convenor_agency: Agency | None = None,
    liaisons: dict[int, object] | None = None, frequency: str = "", charter_number: str = "",
) -> Mechanism:
    """The head of a bureau sets up the mechanism its bureau leads and hosts (the 办公室)."""
    officer = officer_of(user)
    if officer is None or officer.agency.kind != AgencyKind.MSB or not user.has_perm(APPROVE_CASE, officer.agency):
        raise PermissionDenied("只有医疗保障局负责人可以建立联席会议机制。")
    lead = officer.agency
    errors = {}
    if not name.strip():
        errors["name"] = "请填写机制名称。"
    if not convenor.strip():
        errors["convenor"] = "请填写召集人。"
    members = [agency for agency in members if agency.pk != lead.pk]
    if not members:
        errors["members"] = "请选择成员单位。"
    elsewhere = [agency.name for agency in members if agency.region_code != lead.region_code]
    if elsewhere:
        errors["members"] = f"成员单位应为同一行政区域的机关：{'、'.join(elsewhere)}。"
    liaisons = liaisons or {}
    for agency_pk, liaison in liaisons.items():
        liaison_officer = officer_of(liaison)
        if liaison_officer is None or liaison_officer.agency_id != agency_pk:
            errors["members"] = "联络员应为本单位的工作人员。"
    if errors:
        raise ValidationError(errors)
    mechanism = Mechanism.objects.create(
        name=name, convenor=convenor, convenor_agency=convenor_agency, lead_agency=lead, office=lead, frequency=frequency,
        charter_number=charter_number, created_by=user,
    )
    for agency in [lead, *members]:
        Membership.objects.create(mechanism=mechanism, agency=agency, liaison=liaisons.get(agency.pk))
    _audit(mechanism, actor=user, verb="mechanism.created", target=mechanism, agency=lead,
           summary=f"建立{name}，成员单位 {len(members) + 1} 家")
    return mechanism


def carried_over(mechanism: Mechanism, *, before: datetime | None = None):
    """What the next agenda must report: resolutions of earlier meetings past their time and not done, and
    the blocked ones (domain §8: "Overdue items are reported at the next meeting")."""
    rows = Resolution.objects.filter(meeting__mechanism=mechanism, meeting__status=MeetingStatus.ISSUED)
    if before is not None:
        rows = rows.filter(meeting__held_at__lt=before)
    overdue = Q(due_on__lt=timezone.localdate(), ongoing=False) & ~Q(status__in=[ResolutionStatus.DONE, ResolutionStatus.BLOCKED])
    return rows.filter(overdue | Q(status=ResolutionStatus.BLOCKED)).select_related("owner", "meeting")


def agenda_cases(mechanism: Mechanism):
    """Cases the office may put on the agenda: open cases of the lead bureau."""
    return Case.objects.filter(agency=mechanism.lead_agency, closed_at__isnull=True).order_by("-registered_at")


def _require_office(mechanism: Mechanism, user) -> None:
    if not can_act_for(user, mechanism.office, ACT_FOR_AGENCY):
        raise PermissionDenied("只有联席会议办公室的工作人员可以办理。")


@transaction.atomic
def meeting_convene(
    *, mechanism: Mechanism, user, kind: str, title: str, held_at: datetime, venue: str, chair: str,
    topics: list[str] | None = None, cases: list[Case] | None = None, carried: list[Resolution] | None = None,
) -> Meeting:
    """The office convenes a meeting; the agenda lists the topics, the cases to study and the carried items."""
    _require_office(mechanism, user)
    topics, cases, carried = [t for t in (topics or []) if t.strip()], list(cases or []), list(carried or [])
    errors = {}
    if not (title.strip() and venue.strip() and chair.strip()):
        errors["title"] = "请填写会议名称、地点和主持人。"
    allowed = set(agenda_cases(mechanism).values_list("pk", flat=True))
    if any(case.pk not in allowed for case in cases):
        errors["cases"] = "只能研究牵头单位正在办理的案件。"
    allowed = set(carried_over(mechanism).values_list("pk", flat=True))
    if any(item.pk not in allowed for item in carried):
        errors["carried"] = "只能列入前次会议逾期未办结或无法落实的议定事项。"
    if not (topics or cases or carried):
        errors["topics"] = "请至少列入一项议题。"
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(mechanism=mechanism, kind=kind, title=title, held_at=held_at, venue=venue, chair=chair,
                                     created_by=user)
    meeting.cases.set(cases)
    order = 0
    for text in topics:
        order += 1
        AgendaItem.objects.create(meeting=meeting, order=order, title=text.strip())
    for case in cases:
        order += 1
        AgendaItem.objects.create(meeting=meeting, order=order, title=f"研究{case.title}（{case.number}）", case=case)
    for item in carried:
        order += 1
        state = "无法落实" if item.status == ResolutionStatus.BLOCKED else "逾期未办结"
        AgendaItem.objects.create(meeting=meeting, order=order, carried=item,
                                  title=f"通报{item.meeting.title}第{item.number}项议定事项{state}情况（牵头单位：{item.owner.short_name}）")
    _audit(mechanism, actor=user, verb="meeting.convened", target=meeting, agency=mechanism.office,
           summary=f"召集{title}，议题 {order} 项")
    notify(recipients=[m.liaison for m in mechanism.memberships.exclude(liaison=None)], event="meeting.convened",
           title=f"会议通知：{title}", body=f"{timezone.localtime(held_at):%Y-%m-%d %H:%M}，{venue}。", url=meeting_url(meeting))
    return meeting


@transaction.atomic
def attendance_record(*, meeting: Meeting, user, rows: list[dict]) -> list[Attendance]:
    """出席 / 请假 / 列席, replacing what was recorded; only before the 纪要 is issued."""
    _require_office(meeting.mechanism, user)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError("纪要已印发，出席情况不能修改。")
    members = set(meeting.mechanism.memberships.values_list("agency_id", flat=True))
    for row in rows:
        if row["status"] != AttendanceStatus.OBSERVER and row["agency"].pk not in members:
            raise ValidationError({"attendance": f"{row['agency'].name}不是成员单位，只能列席。"})
    meeting.attendance.all().delete()
    recorded = [Attendance.objects.create(meeting=meeting, **row) for row in rows]
    _audit(meeting.mechanism, actor=user, verb="meeting.attendance", target=meeting, agency=meeting.mechanism.office,
           summary=f"登记出席情况：出席 {sum(r.status == AttendanceStatus.PRESENT for r in recorded)} 人")
    return recorded


def _clean_resolution(meeting: Meeting, number: int, row: dict) -> list[str]:
    members = set(meeting.mechanism.memberships.values_list("agency_id", flat=True))
    problems = []
    if not row["text"].strip():
        problems.append("事项内容")
    if row["owner"].pk not in members or any(a.pk not in members for a in row.get("co_agencies", [])):
        problems.append("牵头单位和配合单位应为成员单位")
    if bool(row.get("ongoing")) == bool(row.get("due_on")):
        problems.append("完成时限填写日期或选择长期坚持（二者选一）")
    elif row.get("due_on") and row["due_on"] < timezone.localtime(meeting.held_at).date():
        problems.append("完成时限不能早于会议日期")
    if row.get("case") is not None and not meeting.cases.filter(pk=row["case"].pk).exists():
        problems.append("涉及案件应为本次会议研究的案件")
    if row.get("propose_supervision") and row.get("case") is None:
        problems.append("提请挂牌督办的，请选择涉及的案件")
    return [f"第{number}项：{p}" for p in problems]


@transaction.atomic
def minutes_issue(*, meeting: Meeting, user, heard: str, views: str, resolutions: list[dict], distribution: str = "") -> Meeting:
    """印发纪要: numbered by 期号, immutable; each 议定事项 becomes an action item of its 牵头单位
    (the caller starts their flows in the same transaction)."""
    mechanism = meeting.mechanism
    if not can_act_for(user, mechanism.office, ISSUE_DOCUMENTS):
        raise PermissionDenied("只有联席会议办公室可以印发纪要。")
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError("纪要已印发。")
    errors = [problem for number, row in enumerate(resolutions, start=1) for problem in _clean_resolution(meeting, number, row)]
    if not meeting.attendance.filter(status=AttendanceStatus.PRESENT).exists():
        errors.insert(0, "请先登记出席情况。")
    if not heard.strip() and not views.strip():
        errors.insert(0, "请填写会议听取的情况或会议认为的意见。")
    if errors:
        raise ValidationError(errors)
    office = mechanism.office
    now = timezone.now()
    year = timezone.localtime(now).year
    serial = allocate_number(agency=office, family=settings.LIANBAN_MINUTES_DOC_FAMILY, year=year).serial
    created = []
    for number, row in enumerate(resolutions, start=1):
        co_agencies = row.pop("co_agencies", [])
        resolution = Resolution.objects.create(meeting=meeting, number=number, **row)
        resolution.co_agencies.set(co_agencies)
        created.append(resolution)
    attendance = list(meeting.attendance.select_related("agency"))

    def people(status):
        return tuple(Attendee(a.agency.name, a.name, a.post) for a in attendance if a.status == status)

    content = build_minutes(Minutes(
        mechanism=mechanism.name, issue_label=f"{year}年第{serial}期", office=f"{office.name}（联席会议办公室）",
        issued_on=timezone.localdate(), meeting_title=meeting.title, held_at=timezone.localtime(meeting.held_at),
        venue=meeting.venue, chair=meeting.chair, heard=heard, views=views,
        resolutions=tuple(Decided(r.text, r.owner.name, tuple(a.name for a in r.co_agencies.all()), r.deadline_label) for r in created),
        present=people(AttendanceStatus.PRESENT), leave=people(AttendanceStatus.LEAVE), observers=people(AttendanceStatus.OBSERVER),
        distribution=tuple(part.strip() for part in distribution.replace("，", ",").split(",") if part.strip()),
    ))
    meeting.heard, meeting.views, meeting.distribution = heard, views, distribution
    meeting.issue_year, meeting.issue_serial, meeting.minutes = year, serial, content
    meeting.minutes_sha256 = hashlib.sha256(content).hexdigest()
    meeting.status, meeting.issued_by, meeting.issued_at = MeetingStatus.ISSUED, user, now
    meeting.save()
    _audit(mechanism, actor=user, verb="meeting.minutes_issued", target=meeting, agency=office,
           summary=f"印发{meeting.title}纪要（{meeting.issue_label}），议定事项 {len(created)} 项")
    for resolution in created:
        notify(recipients=_handlers([resolution.owner, *resolution.co_agencies.all()]), event="resolution.assigned",
               title=f"联席会议议定事项：{resolution.text[:30]}", url=resolution_url(resolution),
               body=f"牵头单位：{resolution.owner.name}；完成时限：{resolution.deadline_label}。")
    return meeting


def _require_party(resolution: Resolution, user) -> Agency:
    officer = officer_of(user)
    parties = {resolution.owner_id, *resolution.co_agencies.values_list("pk", flat=True)}
    if officer is None or officer.agency_id not in parties or not can_act_for(user, officer.agency, ACT_FOR_AGENCY):
        raise PermissionDenied("只有牵头单位和配合单位可以报送落实进展。")
    return officer.agency


@transaction.atomic
def resolution_progress(*, resolution: Resolution, user, text: str) -> ResolutionUpdate:
    agency = _require_party(resolution, user)
    if resolution.is_settled:
        raise ValidationError("该议定事项已办结。")
    if not text.strip():
        raise ValidationError({"text": "请填写落实进展。"})
    update = ResolutionUpdate.objects.create(resolution=resolution, agency=agency, text=text, posted_by=user)
    if resolution.status == ResolutionStatus.OPEN:
        resolution.status = ResolutionStatus.IN_PROGRESS
        resolution.save(update_fields=["status"])
    _audit(resolution.meeting.mechanism, actor=user, verb="resolution.progress", target=resolution, agency=agency,
           summary=f"{agency.short_name}报送第{resolution.number}项议定事项落实进展")
    return update


@transaction.atomic
def resolution_settle(*, resolution: Resolution, user, done: bool, text: str) -> Resolution:
    """The 牵头单位 closes the item with its evidence, or marks it blocked: it conflicts with a decision an
    agency made under its own legal procedure (a 会商 consensus is not a legal decision, domain §8)."""
    if not can_act_for(user, resolution.owner, ACT_FOR_AGENCY):
        raise PermissionDenied("只有牵头单位可以办结议定事项。")
    if resolution.is_settled:
        raise ValidationError("该议定事项已办结。")
    if not text.strip():
        raise ValidationError({"text": "请填写办结情况及佐证材料。" if done else "请写明与哪项依法作出的决定冲突、无法落实的理由。"})
    if done:
        resolution.status, resolution.evidence = ResolutionStatus.DONE, text
    else:
        resolution.status, resolution.blocked_reason = ResolutionStatus.BLOCKED, text
    resolution.closed_by, resolution.closed_at = user, timezone.now()
    resolution.save()
    mechanism = resolution.meeting.mechanism
    verb, label = ("resolution.done", "办结") if done else ("resolution.blocked", "无法落实")
    _audit(mechanism, actor=user, verb=verb, target=resolution, agency=resolution.owner,
           summary=f"第{resolution.number}项议定事项{label}：{text}"[:300])
    notify(recipients=_handlers([mechanism.office]), event=verb, title=f"议定事项{label}：{resolution.text[:30]}",
           body=text, url=resolution_url(resolution))
    return resolution
