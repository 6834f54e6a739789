"""Every write to a case: one transaction each, audited, notifying after commit."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies import recording
from agencies.audit import audit_append
from agencies.models import Role
from agencies.numbering import allocate_number
from agencies.permissions import grant_to_agency, officer_of
from agencies.selectors import officer_users
from casework import case_clocks, uploads
from casework.clocks import clock_meet, clock_start
from casework.nodes import resume_waiting
from casework.models import Case, CaseSource, CaseStatus, ClockUnit, Evidence, Handling, ParallelReferral, Subject
from casework.penalties import penalty_record
from casework.permissions import VIEW_CASE, can_edit_case
from notifications.services import notify

CASE_NUMBER_FAMILY = "案"
MIN_INVESTIGATORS = 2  # 行政处罚法 Art. 42; 条例 Art. 29


def case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def _audit(case: Case, *, actor, verb: str, summary: str, data: dict | None = None) -> None:
    audit_append(actor=actor, verb=verb, target=case, agency=case.agency, thread=f"case:{case.pk}", summary=summary, data=data)


def _set_status(case: Case, status: str) -> None:
    case.status = status
    case.save()


@transaction.atomic
def case_register(
    *,
    user,
    title: str,
    source: str,
    summary: str,
    source_detail: str = "",
    violation_types: list[str] | None = None,
    amount_involved: Decimal = Decimal("0"),
    reporter_real_name: bool = False,
    reporter_name: str = "",
    reporter_contact: str = "",
    resumes: Case | None = None,
    received_at: datetime | None = None,
) -> Case:
    """登记线索: the registering officer's agency owns the case and its officers may see it.

    `received_at`: when the bureau received a handoff entered later from paper (casework.hand_intake);
    the filing clock counts from then.

    `resumes`: the bureau's earlier case, transferred to the police, that this lead takes up again
    (a 检察意见 after 不起诉, or the police withdrew the case): its parties come along and its paused
    fine decision resumes (edge cases 10 and 11)."""
    if reporter_real_name and not (source == CaseSource.TIP and reporter_name.strip() and reporter_contact.strip()):
        raise ValidationError({"reporter_name": "实名举报的，请填写举报人姓名和联系方式（线索来源应为举报投诉）。"})
    officer = officer_of(user)
    if officer is None:
        raise PermissionDenied("只有机关工作人员可以登记线索。")
    agency = officer.agency
    now = timezone.localtime(recording.now())
    number = allocate_number(agency=agency, family=CASE_NUMBER_FAMILY, year=now.year)
    case = Case(
        registered_at=now,
        number=number.text,
        title=title,
        source=source,
        source_detail=source_detail,
        summary=summary,
        violation_types=list(violation_types or []),
        amount_involved=amount_involved,
        agency=agency,
        registered_by=user,
        lead_officer=user,
        reporter_real_name=reporter_real_name,
        reporter_name=reporter_name.strip() if reporter_real_name else "",
        reporter_contact=reporter_contact.strip() if reporter_real_name else "",
        resumes=resumes,
    )
    if resumes is not None and resumes.agency_id != agency.pk:
        raise ValidationError({"resumes": "只能续办本机关移送的案件。"})
    case.full_clean()
    case.save()
    grant_to_agency(agency=agency, perm=VIEW_CASE, obj=case)
    _audit(case, actor=user, verb="case.registered", summary=f"登记线索：{case.title}（{case.get_source_display()}）")
    case_clocks.start_filing_clock(case, received_at=received_at)
    if resumes is not None:
        _take_up(case, original=resumes, user=user)
    return case


def _take_up(case: Case, *, original: Case, user) -> None:
    """The continuation gets the original's parties; the original's paused fine decision resumes
    (no 罚金 was imposed, so there is nothing to offset — domain §12 edge 10)."""
    for subject in original.subjects.all():
        subject.pk, subject.case, subject.added_by = None, case, user
        subject.save()
    _audit(case, actor=user, verb="case.resumes", summary=f"续办原移送案件 {original.number}，当事人随案转入")
    summary = f"由 {case.number} 续办"
    if original.fine_is_paused:
        original.fine_resumed_at = recording.now()
        original.save(update_fields=["fine_resumed_at", "updated_at"])
        summary = f"刑事程序未判处罚金，罚款决定恢复办理，{summary}（无罚金可折抵）"
    _audit(original, actor=user, verb="case.resumed", summary=summary, data={"continuation": case.number})


@transaction.atomic
def case_verify(*, case: Case, user, propose_filing: bool, opinion: str) -> Case:
    """核查线索: propose 立案 to the section chief, or close the lead (不予立案) with reasons."""
    if not opinion.strip():
        raise ValidationError({"opinion": "请填写核查意见。"})
    case.verification_opinion = opinion
    if propose_filing:
        _set_status(case, CaseStatus.PENDING_FILING)
        _audit(case, actor=user, verb="case.filing_proposed", summary="核查完毕，提请立案")
        notify(
            recipients=officer_users(agency=case.agency, roles=[Role.SECTION_CHIEF, Role.HEAD]),
            event="case.filing_proposed",
            title=f"立案审批：{case.title}",
            body=f"{case.number} 核查完毕，提请立案。",
            url=case_url(case),
        )
    else:
        case.save()
        _audit(case, actor=user, verb="case.filing_not_proposed", summary="核查完毕，建议不予立案", data={"opinion": opinion})
    return case


@transaction.atomic
def case_file(*, case: Case, user, approve: bool, opinion: str, investigators: list | None = None) -> Case:
    """立案审批: approve with ≥2 named enforcement officers, or refuse with reasons."""
    if not opinion.strip():
        raise ValidationError({"opinion": "请填写审批意见。"})
    case.filing_opinion = opinion
    if not approve:
        case.save()
        _audit(case, actor=user, verb="case.filing_refused", summary="不予立案", data={"opinion": opinion})
        case_clocks.meet_filing_clock(case)
        return case
    investigators = list(investigators or [])
    if len({u.pk for u in investigators}) < MIN_INVESTIGATORS:
        raise ValidationError({"investigators": f"立案须指定不少于{MIN_INVESTIGATORS}名执法人员。"})
    foreign = [u for u in investigators if getattr(officer_of(u), "agency_id", None) != case.agency_id]
    if foreign:
        raise ValidationError({"investigators": "执法人员须为本机关工作人员。"})
    case.filed_at = recording.now()
    case.status = CaseStatus.INVESTIGATING
    case.save()
    case.investigators.set(investigators)
    names = "、".join(u.get_full_name() or u.get_username() for u in investigators)
    _audit(case, actor=user, verb="case.filed", summary=f"立案，执法人员：{names}")
    case_clocks.meet_filing_clock(case)
    case_clocks.start_decision_clock(case)
    _start_reporter_notice(case)
    notify(
        recipients=[case.lead_officer, *investigators],
        event="case.filed",
        title=f"已立案：{case.title}",
        body=f"{case.number} 已立案，请开展调查。",
        url=case_url(case),
    )
    return case


@transaction.atomic
def case_close_lead(*, case: Case) -> Case:
    case.closed_at = recording.now()
    _set_status(case, CaseStatus.NOT_FILED)
    _audit(case, actor=None, verb="case.not_filed", summary="线索不予立案，办结")
    case_clocks.meet_filing_clock(case)
    _start_reporter_notice(case)
    return case


@transaction.atomic
def case_record_investigation(
    *,
    case: Case,
    user,
    findings: str,
    amount_involved: Decimal,
    violation_types: list[str],
    proposed_handling: str,
    handling_reason: str,
) -> Case:
    """调查终结: the facts found, the amount and the proposed handling, for the head's decision."""
    case.findings = findings
    case.amount_involved = amount_involved
    case.violation_types = list(violation_types)
    case.proposed_handling = proposed_handling
    case.handling_reason = handling_reason
    case.status = CaseStatus.PENDING_DECISION
    case.full_clean()
    case.save()
    _audit(
        case, actor=user, verb="case.investigated",
        summary=f"调查终结，拟{Handling(proposed_handling).label}，涉案金额 {amount_involved} 元",
    )
    notify(
        recipients=officer_users(agency=case.agency, roles=[Role.SECTION_CHIEF, Role.HEAD]),
        event="case.decision_requested",
        title=f"处理决定审批：{case.title}",
        body=f"{case.number} 调查终结，拟{Handling(proposed_handling).label}。",
        url=case_url(case),
    )
    return case


@transaction.atomic
def case_decide(*, case: Case, user, handling: str, opinion: str, also_refer_to: list[str] | None = None) -> Case:
    """处理决定: close, administrative handling, or criminal transfer (the transfer has its own approval);
    clue referrals to other agencies may be opened at the same time, each its own process."""
    if not opinion.strip():
        raise ValidationError({"opinion": "请填写审批意见。"})
    case.handling = handling
    case.also_refer_to = sorted(set(also_refer_to or []))
    case.decision_opinion = opinion
    status = {
        Handling.CLOSE: CaseStatus.PENDING_DECISION,
        Handling.ADMINISTRATIVE: CaseStatus.ADMIN_HANDLING,
        Handling.CRIMINAL: CaseStatus.TRANSFERRING,
    }[Handling(handling)]
    _set_status(case, status)
    # A discipline referral is confidential even inside the bureau: the case's timeline does not name it.
    shown = [kind for kind in case.also_refer_to if kind != ParallelReferral.DISCIPLINE]
    also = "；同时移送：" + "、".join(ParallelReferral(kind).label.split("（")[0] for kind in shown) if shown else ""
    _audit(case, actor=user, verb="case.decided", summary=f"决定：{Handling(handling).label}{also}", data={"opinion": opinion})
    if handling != Handling.ADMINISTRATIVE:  # 移送司法机关, or 不予处罚 / 违法事实不能成立: the case is decided
        case_clocks.meet_decision_clock(case)
    return case


@transaction.atomic
def case_record_outcome(*, case: Case, user, outcome: str, penalties: Sequence[dict] = ()) -> Case:
    """行政处理结果 (penalty decision, refund order, agreement handling ...), with the structured
    penalty decisions it contains (`penalties`: keyword arguments of `penalty_record`, one per decision)."""
    if not outcome.strip():
        raise ValidationError({"outcome": "请填写处理结果。"})
    numbers = [str(decision.get("document_number", "")).strip() for decision in penalties]
    repeated = sorted({number for number in numbers if number and numbers.count(number) > 1})
    if repeated:
        raise ValidationError({"document_number": f"同一决定书文号填写了多次：{'、'.join(repeated)}。"})
    for decision in penalties:
        penalty_record(case=case, user=user, **decision)
    case.outcome = outcome
    case.save()
    _audit(case, actor=user, verb="case.outcome_recorded", summary="登记行政处理结果", data={"outcome": outcome})
    case_clocks.meet_decision_clock(case)
    return case


@transaction.atomic
def case_close(*, case: Case) -> Case:
    case.closed_at = recording.now()
    _set_status(case, CaseStatus.CLOSED)
    _audit(case, actor=None, verb="case.closed", summary="结案")
    case_clocks.meet_decision_clock(case)
    return case


@transaction.atomic
def case_after_transfer(*, case: Case, accepted: bool) -> Case:
    """The transfer ended: the police filed the case, or it comes back for administrative handling (310 Art. 10)."""
    if accepted:
        _set_status(case, CaseStatus.TRANSFERRED)
        _audit(case, actor=None, verb="case.transferred", summary="公安机关已立案，转入刑事程序跟踪")
        if settings.LIANBAN_PAUSE_FINE_PENDING_CRIMINAL and case.fine_paused_at is None:
            case.fine_paused_at = recording.now()
            case.save(update_fields=["fine_paused_at", "updated_at"])
            _audit(case, actor=None, verb="case.fine_paused",
                   summary="罚款决定中止，待刑事诉讼结果（罚金与罚款折抵，行政处罚法第三十五条）；退回基金、协议处理等措施继续")
    else:
        _set_status(case, CaseStatus.ADMIN_HANDLING)
        _audit(case, actor=None, verb="case.returned_to_admin", summary="未移送或公安机关不予立案，依法继续行政处理")
    return case


REPORTER_NOTICE = "reporter.notice"


def _start_reporter_notice(case: Case) -> None:
    """A real-name reporter must hear of the filing decision within 5 working days (令第5号)."""
    if case.reporter_real_name:
        clock_start(
            case=case, target=case, code=REPORTER_NOTICE, title="告知实名举报人是否立案",
            legal_basis="《医疗保障基金使用监督管理举报处理暂行办法》（国家医疗保障局令第5号）", agency=case.agency,
            amount=settings.LIANBAN_REPORTER_NOTICE_WORKING_DAYS, unit=ClockUnit.WORKING_DAYS, start_event="作出是否立案的决定",
            url=case_url(case), responsible=case.lead_officer,
        )


@transaction.atomic
def case_notify_reporter(*, case: Case, user, channel: str, notified_at) -> Case:
    """Record that the real-name reporter was told of the filing decision; the reporter's identity stays out of the record."""
    if not case.reporter_real_name:
        raise ValidationError("本案不是实名举报。")
    if case.reporter_notified_at:
        raise ValidationError("已经告知过举报人。")
    if case.filed_at is None and case.status != CaseStatus.NOT_FILED:
        raise ValidationError("作出是否立案的决定后才能告知举报人。")
    if notified_at > timezone.now():
        raise ValidationError({"notified_at": "告知时间不能晚于当前时间。"})
    case.reporter_notified_at, case.reporter_notice_channel = notified_at, channel
    case.save()
    clock_meet(target=case, code=REPORTER_NOTICE, at=notified_at)
    _audit(case, actor=user, verb="case.reporter_notified", summary=f"已告知实名举报人是否立案（{channel}）")
    return case


def _resume(case: Case, node_name: str) -> bool:
    return resume_waiting(case.process, node_name)


def case_resume_after_transfer(*, case: Case) -> None:
    """Complete the case flow's wait for its criminal transfer (`await_transfer`)."""
    if not _resume(case, "await_transfer"):
        raise RuntimeError(f"案件 {case.number} 的流程没有在等待移送结果。")


def open_referrals(case: Case):
    """Referrals of the case that have not ended (closed, refused, handed over or no longer tracked)."""
    return case.referrals.filter(closed_at__isnull=True)


def case_resume_when_referrals_settled(*, case: Case) -> None:
    """Once no referral of the case is open, let a case waiting for them (`await_referrals`) close."""
    if not open_referrals(case).exists():
        _resume(case, "await_referrals")


@transaction.atomic
def subject_add(*, case: Case, user, **fields) -> Subject:
    if not can_edit_case(user, case):
        raise PermissionDenied("只有承办机关的工作人员可以在办案期间添加当事人。")
    subject = Subject(case=case, added_by=user, **fields)
    subject.full_clean()
    subject.save()
    _audit(case, actor=user, verb="subject.added", summary=f"添加当事人：{subject.name}（{subject.get_kind_display()}）")
    return subject


def _sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def evidence_add(*, case: Case, user, upload: UploadedFile, kind: str, title: str, description: str = "", pages: int | None = None) -> Evidence:
    """Store an evidence file with its SHA-256, computed from the bytes actually received."""
    if not can_edit_case(user, case):
        raise PermissionDenied("只有承办机关的工作人员可以在办案期间上传证据。")
    if upload.size == 0:
        raise ValidationError({"upload": "文件为空，请重新选择。"})
    try:
        uploads.check_evidence_file(upload)  # within the size limit, and the bytes are what the extension says
    except ValidationError as exc:
        raise ValidationError({"upload": exc.messages}) from exc
    sha256 = _sha256_of(upload)
    if case.evidence.filter(sha256=sha256).exists():
        raise ValidationError({"upload": "该文件已作为本案证据上传过（SHA-256 相同）。"})
    evidence = Evidence(
        case=case, kind=kind, title=title, description=description, pages=pages,
        original_name=upload.name[:255], content_type=(upload.content_type or "")[:100],
        size=upload.size, sha256=sha256, uploaded_by=user,
    )
    evidence.full_clean(exclude=["file"])
    # Stored content-addressed under the case; if the transaction rolls back, the file stays on disk
    # without a row and is simply written over by the next upload of the same bytes.
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    _audit(case, actor=user, verb="evidence.added", summary=f"上传证据：{title}", data={"sha256": sha256, "size": upload.size})
    return evidence
