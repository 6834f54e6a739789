"""The criminal transfer (行刑衔接, 310 Arts. 5–8): every step a transaction, audited, notified after commit.

Visibility follows the handoff: the sending bureau sees the referral from the start; the receiving
police see it — the package, never the case's internal file — from the moment it is sent.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies import recording
from agencies.dates import format_datetime_minute
from agencies.models import Agency, AgencyKind, Role
from agencies.permissions import APPROVE_EXTENSION, grant_to_agency, officer_of
from agencies.selectors import agency_counterparts, agency_forward_targets, agency_same_level_psb, officer_users
from casework import services as case_services
from casework.clocks import Period, clock_extend, open_clock
from casework.models import Case, ClockUnit, Evidence
from notifications.services import notify
from referral import clocks, package
from referral.events import agency_handlers, receipt_time, record, referral_url, sending_side, tell
from referral.documents import document_issue, investigation_report_for, transfer_notice_for
from referral.letters.investigation_report import build_investigation_report
from referral.letters.item_list import build_item_list
from referral.letters.transfer_notice import SignedReceipt, build_signed_receipt, build_transfer_notice
from referral.objection_letters import item_list_for
from referral.models import FilingDecision, PackageItem, Referral, ReferralForward, ReferralStatus
from referral.models import ReviewExtension as ReviewExtensionChoice
from referral.permissions import VIEW_REFERRAL

MIN_TASK_FORCE = 2  # 310 Art. 5; 49号 三(一): a 专案组 of at least two enforcement officers


@transaction.atomic
def transfer_open(*, case: Case, opened_by) -> Referral:
    """Open the transfer after the head decided on criminal handling; the case officer prepares the package."""
    referral = Referral.objects.create(
        case=case,
        from_agency=case.agency,
        to_agency=agency_same_level_psb(agency=case.agency),
        created_by=opened_by,
        case_title=case.title,
        facts=case.findings,
        amount=case.amount_involved,
    )
    grant_to_agency(agency=case.agency, perm=VIEW_REFERRAL, obj=referral)
    record(referral, actor=None, verb="referral.opened", summary="启动涉嫌犯罪案件移送，准备移送材料")
    notify(
        recipients=[opened_by], event="referral.opened", title=f"请准备移送材料：{case.title}",
        body="负责人已决定移送公安机关，请组成专案组、撰写调查报告并提请审批。", url=referral_url(referral),
    )
    return referral


@transaction.atomic
def transfer_submit(
    *,
    referral: Referral,
    user,
    to_agency: Agency,
    facts: str,
    investigation_report: str,
    suspected_offence: str,
    task_force: list,
    evidence: list[Evidence],
    contact_name: str,
    contact_phone: str,
    seized_items: list[dict] | None = None,
) -> Referral:
    """提请审批: the package is complete and goes to the head (who decides within 3 days, 310 Art. 5)."""
    errors: dict[str, str] = {}
    if to_agency.kind != AgencyKind.PSB or (to_agency.level, to_agency.region_code) != (
        referral.from_agency.level, referral.from_agency.region_code
    ):
        errors["to_agency"] = "涉嫌犯罪案件应移送同级公安机关（《行政执法机关移送涉嫌犯罪案件的规定》第五条）。"
    members = {user.pk: user for user in task_force}
    if len(members) < MIN_TASK_FORCE:
        errors["task_force"] = f"专案组不少于{MIN_TASK_FORCE}名执法人员。"
    elif any(getattr(officer_of(member), "agency_id", None) != referral.from_agency_id for member in members.values()):
        errors["task_force"] = "专案组成员须为本机关执法人员。"
    elif uncertified := [m.get_full_name() or m.username for m in members.values() if not officer_of(m).badge_number]:
        errors["task_force"] = f"专案组成员须持有执法证，未登记执法证号：{'、'.join(uncertified)}。"
    if not investigation_report.strip():
        errors["investigation_report"] = "请填写涉嫌犯罪案件情况的调查报告。"
    if not facts.strip():
        errors["facts"] = "请填写涉嫌犯罪事实。"
    if any(item.case_id != referral.case_id for item in evidence):
        errors["evidence"] = "只能移送本案的证据材料。"
    if errors:
        raise ValidationError(errors)
    referral.to_agency = to_agency
    referral.facts = facts
    referral.investigation_report = investigation_report
    referral.suspected_offence = suspected_offence
    referral.contact_name = contact_name
    referral.contact_phone = contact_phone
    referral.amount = referral.case.amount_involved
    referral.seized_items = package.clean_items(seized_items or [])
    referral.submitted_at = recording.now()
    referral.status = ReferralStatus.PENDING_APPROVAL
    referral.save()
    referral.task_force.set(members.values())
    referral.package_items.all().delete()
    PackageItem.objects.bulk_create(PackageItem(referral=referral, evidence=item, sha256=item.sha256) for item in evidence)
    package.ensure_complete(referral)
    clocks.start(clocks.APPROVAL, referral=referral, agency=referral.from_agency, url=referral_url(referral))
    record(
        referral, actor=user, verb="referral.submitted", summary=f"提请负责人审批移送，拟移送{to_agency.name}",
        data={"manifest": {item.pk: item.sha256 for item in evidence}},
    )
    notify(
        recipients=officer_users(agency=referral.from_agency, roles=[Role.HEAD]),
        event="referral.approval_requested", title=f"移送审批：{referral.case_title}",
        body="依法应在收到报告之日起3日内作出批准或不批准的决定。", url=referral_url(referral),
    )
    return referral


@transaction.atomic
def transfer_approve(*, referral: Referral, user, approve: bool, opinion: str) -> Referral:
    """正职负责人 approves, or refuses with reasons recorded (310 Art. 5)."""
    if not approve and not opinion.strip():
        raise ValidationError({"opinion": "不批准移送的，应当写明理由。"})
    referral.approved_by = user
    referral.approved_at = recording.now()
    referral.approval_opinion = opinion
    clocks.meet(clocks.APPROVAL, referral=referral)
    if approve:
        referral.save()
        clocks.start(clocks.SEND, referral=referral, agency=referral.from_agency, url=referral_url(referral))
        record(referral, actor=user, verb="referral.approved", summary="负责人批准移送", data={"opinion": opinion})
        return referral
    referral.status = ReferralStatus.REFUSED
    referral.save()
    record(referral, actor=user, verb="referral.refused", summary="负责人不批准移送", data={"reason": opinion})
    # A refusal is a supervisable event (310 Art. 14): the same-level procuratorate sees it with its reasons.
    for procuratorate in agency_counterparts(agency=referral.from_agency, kind=AgencyKind.PROCURATORATE):
        grant_to_agency(agency=procuratorate, perm=VIEW_REFERRAL, obj=referral)
        tell(agency_handlers(procuratorate), referral, event="referral.refused", title="行政执法机关不批准移送（备查）",
             body=f"{referral.from_agency.name}负责人不批准移送涉嫌犯罪案件，理由：{opinion}")
    notify(
        recipients=sending_side(referral), event="referral.refused", title=f"负责人不批准移送：{referral.case_title}",
        body=opinion, url=referral_url(referral),
    )
    return referral


@transaction.atomic
def transfer_send(*, referral: Referral) -> Referral:
    """Issue the numbered 移送书 and hand the package to the police, who see it from this moment."""
    if referral.approved_at is None or referral.status != ReferralStatus.PENDING_APPROVAL:
        raise ValidationError("只有经负责人批准的移送才能发出。")
    package.ensure_complete(referral)
    letter = document_issue(
        agency=referral.from_agency,
        family=settings.LIANBAN_TRANSFER_DOC_FAMILY,
        title="涉嫌犯罪案件移送书",
        case=referral.case,
        referral=referral,
        issued_by=referral.approved_by,
        build=lambda number: build_transfer_notice(transfer_notice_for(referral, number=number)),
    )
    document_issue(
        agency=referral.from_agency, family="", title="涉嫌犯罪案件情况的调查报告", case=referral.case, referral=referral,
        issued_by=referral.approved_by,
        build=lambda _: build_investigation_report(investigation_report_for(referral, transfer_number=letter.number)),
    )
    if referral.seized_items:
        document_issue(
            agency=referral.from_agency, family=settings.LIANBAN_ITEM_LIST_DOC_FAMILY, title="涉案物品清单",
            case=referral.case, referral=referral, issued_by=referral.approved_by,
            build=lambda number: build_item_list(item_list_for(referral, transfer_number=letter.number, number=number)),
        )
    referral.status = ReferralStatus.SENT
    referral.sent_at = recording.now()
    referral.save()
    grant_to_agency(agency=referral.to_agency, perm=VIEW_REFERRAL, obj=referral)
    clocks.meet(clocks.SEND, referral=referral)
    record(referral, actor=referral.approved_by, verb="referral.sent", summary=f"以{letter.number}移送{referral.to_agency.name}")
    notify(
        recipients=agency_handlers(referral.to_agency),
        event="referral.received",
        title=f"收到移送案件：{referral.case_title}",
        body=f"{referral.from_agency.name}以{letter.number}移送，请签收回执并在3日内审查决定是否立案。",
        url=referral_url(referral),
    )
    notify(
        recipients=sending_side(referral), event="referral.sent", title=f"已移送：{referral.case_title}",
        body=f"{letter.number} 已发送{referral.to_agency.name}。", url=referral_url(referral),
    )
    return referral


@transaction.atomic
def transfer_sign_receipt(*, referral: Referral, user, received_at: datetime, items_received: int, signer_title: str) -> Referral:
    """签收回执 (310 Art. 7): the time of receipt, to the minute, starts the police's review clock."""
    received_at = receipt_time(referral, received_at)
    referral.receipt_signed_by = user
    referral.receipt_signer_title = signer_title
    referral.received_at = received_at
    referral.items_received = items_received
    referral.status = ReferralStatus.RECEIPTED
    referral.save()
    clocks.start(
        clocks.REVIEW, referral=referral, agency=referral.to_agency, url=referral_url(referral), started_at=received_at,
        responsible=user,
    )
    package.report_manifest(referral, user=user)
    if recording.current() is None:  # a 回执 signed on paper is on record as its scan (代录)
        letter_number = referral.documents.get(family=settings.LIANBAN_TRANSFER_DOC_FAMILY, voided_at__isnull=True).number
        signed = SignedReceipt(
            signer=user.officer.display_name, signer_title=signer_title, received_at=received_at, copies_received=items_received
        )
        document_issue(
            agency=referral.to_agency, family="", title=f"回执（{letter_number}）", case=referral.case, referral=referral,
            issued_by=user,
            build=lambda _: build_signed_receipt(transfer_notice_for(referral, number=letter_number), signed),
        )
    local = timezone.localtime(received_at)
    record(
        referral, actor=user, agency=referral.to_agency, verb="referral.receipted",
        summary=f"{referral.to_agency.name}签收回执，签收时间 {local:%Y-%m-%d %H:%M}",
    )
    notify(
        recipients=sending_side(referral), event="referral.receipted", title=f"公安机关已签收：{referral.case_title}",
        body=f"{referral.to_agency.name}于{format_datetime_minute(local)}签收回执。", url=referral_url(referral),
    )
    return referral


@transaction.atomic
def transfer_decide(
    *,
    referral: Referral,
    user,
    decision: str,
    reason: str,
    document_number: str,
    police_case_number: str = "",
    files_returned: bool = False,
) -> Referral:
    """立案, or 不予立案 with reasons in writing and the files returned (310 Art. 8)."""
    if referral.status != ReferralStatus.RECEIPTED:
        raise ValidationError("请先签收回执，再作出审查决定。")
    if decision not in (FilingDecision.FILE, FilingDecision.DECLINE):
        raise ValidationError({"decision": "请选择立案或不予立案。"})
    if decision == FilingDecision.DECLINE and not reason.strip():
        raise ValidationError({"reason": "不予立案的，应当书面说明理由。"})
    if decision == FilingDecision.DECLINE and not files_returned:
        raise ValidationError({"files_returned": "不予立案的，应当相应退回案卷材料。"})
    if not document_number.strip():
        raise ValidationError({"document_number": "请填写立案或不予立案通知书的文号。"})
    referral.decision = decision
    referral.decision_reason = reason if decision == FilingDecision.DECLINE else ""
    referral.files_returned = decision == FilingDecision.DECLINE
    referral.decision_document_number = document_number
    referral.police_case_number = police_case_number
    referral.decided_by = user
    referral.decided_at = recording.now()
    referral.status = ReferralStatus.FILED if decision == FilingDecision.FILE else ReferralStatus.DECLINED
    referral.save()
    clocks.meet(clocks.REVIEW, referral=referral)
    # The bureau's next duty: hand over the seized items (Art. 12), or decide on 复议 / 立案监督 (Art. 9).
    follow_up = clocks.HANDOVER if decision == FilingDecision.FILE else clocks.DECLINE_RESPONSE
    clocks.start(follow_up, referral=referral, agency=referral.from_agency, url=referral_url(referral))
    label = FilingDecision(decision).label
    record(
        referral, actor=user, agency=referral.to_agency, verb="referral.decided",
        summary=f"{referral.to_agency.name}决定{label}（{document_number}）", data={"decision": decision, "reason": reason},
    )
    notify(
        recipients=sending_side(referral) + officer_users(agency=referral.from_agency, roles=[Role.HEAD]),
        event="referral.decided",
        title=f"公安机关{label}：{referral.case_title}",
        body=reason or f"{document_number}",
        url=referral_url(referral),
    )
    return referral


@transaction.atomic
def transfer_forward(*, referral: Referral, user, to_agency: Agency, reason: str) -> Referral:
    """Not ours: pass the case to the competent police organ within 24 hours and tell the bureau in
    writing (310 Art. 7). The referral follows the new receiver; the old clocks stay on record."""
    if referral.status != ReferralStatus.RECEIPTED:
        raise ValidationError("请先签收回执，再转送。")
    if not agency_forward_targets(agency=referral.to_agency).filter(pk=to_agency.pk).exists():
        raise ValidationError({"forward_to": "请选择本市（或上级）有管辖权的其他公安机关。"})
    if not reason.strip():
        raise ValidationError({"reason": "请写明不属本机关管辖、需要转送的理由。"})
    now, previous = recording.now(), referral.to_agency
    ReferralForward.objects.create(
        referral=referral, from_agency=previous, to_agency=to_agency, reason=reason, received_at=referral.received_at,
        forwarded_by=user, forwarded_at=now,
    )
    clocks.cancel(clocks.REVIEW, referral=referral, reason=f"不属本机关管辖，已转送{to_agency.name}")
    clocks.start(clocks.FORWARD, referral=referral, agency=previous, url=referral_url(referral), started_at=referral.received_at)
    clocks.meet(clocks.FORWARD, referral=referral, at=now)
    referral.to_agency = to_agency
    referral.status = ReferralStatus.SENT
    referral.receipt_signed_by, referral.receipt_signer_title = None, ""
    referral.received_at, referral.items_received = None, None
    referral.save()
    grant_to_agency(agency=to_agency, perm=VIEW_REFERRAL, obj=referral)  # the first receiver keeps its read-only view
    record(
        referral, actor=user, agency=previous, verb="referral.forwarded",
        summary=f"{previous.name}以不属本机关管辖为由转送{to_agency.name}", data={"reason": reason},
    )
    notify(
        recipients=agency_handlers(to_agency), event="referral.received",
        title=f"收到转送案件：{referral.case_title}",
        body=f"{previous.name}转送（原移送机关：{referral.from_agency.name}），请签收回执并在3日内审查决定是否立案。",
        url=referral_url(referral),
    )
    notify(
        recipients=sending_side(referral), event="referral.forwarded", title=f"案件已转送：{referral.case_title}",
        body=f"{previous.name}书面告知：不属本机关管辖，已转送{to_agency.name}。理由：{reason}", url=referral_url(referral),
    )
    return referral


@transaction.atomic
def transfer_extend_review(*, referral: Referral, user, extension: str, reason: str):
    """The police head extends the review: to 10 or 30 days from acceptance, or 30 more days."""
    if not user.has_perm(APPROVE_EXTENSION, referral.to_agency):
        raise PermissionDenied("只有接收机关负责人可以批准延长立案审查期限。")
    deadline = open_clock(target=referral, code=clocks.REVIEW.code)
    if deadline is None:
        raise ValidationError("该移送没有正在计时的立案审查期限。")
    extension = ReviewExtensionChoice(extension)
    if extension == ReviewExtensionChoice.PLUS_THIRTY:
        if not deadline.extensions.exists():
            raise ValidationError({"extension": "再延长30日须在已延长至30日之后。"})
        period = Period(30, ClockUnit.CALENDAR_DAYS, from_due=True)
    else:
        period = Period(int(extension.value), deadline.unit)
    try:
        deadline = clock_extend(deadline=deadline, approved_by=user, reason=f"{extension.label}。{reason}", period=period)
    except ValueError as exc:
        raise ValidationError({"extension": str(exc)}) from None
    notify(
        recipients=sending_side(referral), event="referral.review_extended", title=f"立案审查期限延长：{referral.case_title}",
        body=f"{referral.to_agency.name}负责人批准：{extension.label}，新的届满时间 {timezone.localtime(deadline.due_at):%Y-%m-%d %H:%M}。",
        url=referral_url(referral),
    )
    return deadline


@transaction.atomic
def transfer_conclude(*, referral: Referral) -> Referral:
    """The transfer is over: the case moves on (criminal track, or back to administrative handling)."""
    referral.closed_at = recording.now()
    referral.save()
    case_services.case_after_transfer(case=referral.case, accepted=referral.status == ReferralStatus.HANDED_OVER)
    case_services.case_resume_after_transfer(case=referral.case)
    return referral
