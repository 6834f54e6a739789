"""Clue referrals to the health commission, market regulation, the discipline bodies and the
procuratorate (domain §6.7–6.8): a letter, a receipt, feedback, and a bureau that closes or stops
tracking. Discipline referrals are confidential: only the officers named at both ends see them."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from agencies import recording
from agencies.models import Agency, AgencyKind, Role
from agencies.permissions import grant_to_agency, grant_to_user, officer_of
from agencies.selectors import agency_counterparts, officer_users
from casework import services as case_services
from casework.clocks import clock_cancel, clock_meet
from casework.models import Case, ClockUnit, Evidence
from referral import package
from referral.clocks import ClockSpec, start
from referral.documents import document_issue
from referral.events import agency_handlers, receipt_time, record, referral_url, sending_side, tell
from referral.letters.clue_letter import build_clue_letter
from referral.clue_letters import clue_letter_for, parse_persons
from referral.models import CLUE_RECEIVERS, PackageItem, Referral, ReferralKind, ReferralStatus
from referral.permissions import VIEW_REFERRAL


FEEDBACK_CODE = "clue.feedback"


def feedback_clock(kind: str) -> ClockSpec | None:
    """The feedback period of a clue referral, if the settings give it one."""
    days = settings.LIANBAN_DISCIPLINE_FEEDBACK_DAYS if kind == ReferralKind.DISCIPLINE else settings.LIANBAN_CLUE_FEEDBACK_DAYS
    if not days:
        return None
    return ClockSpec(FEEDBACK_CODE, "反馈处理结果", "移送函载明的反馈期限（未见统一规定，可配置）", days, ClockUnit.CALENDAR_DAYS, "签收线索移送函")


def _grant(referral: Referral, users) -> None:
    """A confidential referral is shown to named people only, one grant each (never to a group)."""
    for user in users:
        grant_to_user(user=user, perm=VIEW_REFERRAL, obj=referral)
        referral.named_officers.add(user)


def _heads(agency: Agency) -> list:
    return officer_users(agency=agency, roles=[Role.HEAD])


@transaction.atomic
def clue_open(*, case: Case, kind: str, opened_by) -> Referral:
    kind = ReferralKind(kind)
    if kind not in CLUE_RECEIVERS:
        raise ValidationError({"kind": "请选择移送卫生健康、市场监管、纪检监察或检察机关。"})
    if not case.is_open:
        raise ValidationError("案件已办结，不能再移送。")
    referral = Referral.objects.create(
        case=case, kind=kind, from_agency=case.agency, created_by=opened_by, case_title=case.title,
        to_agency=agency_counterparts(agency=case.agency, kind=CLUE_RECEIVERS[kind]).first(),
        facts=case.findings or case.summary, amount=case.amount_involved, confidential=kind == ReferralKind.DISCIPLINE,
    )
    if referral.confidential:
        _grant(referral, [opened_by])
    else:
        grant_to_agency(agency=case.agency, perm=VIEW_REFERRAL, obj=referral)
    record(referral, actor=opened_by, verb="referral.opened", summary=f"启动{kind.label}")
    return referral


@transaction.atomic
def clue_submit(
    *,
    referral: Referral,
    user,
    to_agency: Agency,
    facts: str,
    persons_involved: str,
    request: str,
    evidence: list[Evidence],
    contact_name: str,
    contact_phone: str,
    recipient=None,
) -> Referral:
    errors: dict[str, str] = {}
    if to_agency.kind != CLUE_RECEIVERS[referral.kind]:
        errors["to_agency"] = f"{referral.get_kind_display()}应当移送{AgencyKind(CLUE_RECEIVERS[referral.kind]).label}。"
    if not facts.strip():
        errors["facts"] = "请填写已查明的事实。"
    if not request.strip():
        errors["request"] = "请填写请求事项。"
    if referral.confidential:
        if not any(person.unit for person in parse_persons(persons_involved)):
            errors["persons_involved"] = "问题线索应按“姓名，单位，职务”逐行写明涉及的公职人员。"
        if recipient is None or getattr(officer_of(recipient), "agency_id", None) != to_agency.pk:
            errors["recipient"] = "请指定接收机关的一名接收人（保密线索只送达列明的人员）。"
    if any(item.case_id != referral.case_id for item in evidence):
        errors["evidence"] = "只能移送本案的证据材料。"
    if errors:
        raise ValidationError(errors)
    referral.to_agency, referral.facts, referral.persons_involved, referral.request = to_agency, facts, persons_involved, request
    referral.contact_name, referral.contact_phone, referral.recipient = contact_name, contact_phone, recipient
    referral.submitted_at, referral.status = recording.now(), ReferralStatus.PENDING_APPROVAL
    referral.save()
    referral.package_items.all().delete()
    PackageItem.objects.bulk_create(PackageItem(referral=referral, evidence=item, sha256=item.sha256) for item in evidence)
    package.ensure_complete(referral)
    approvers = _heads(referral.from_agency)
    if referral.confidential:
        _grant(referral, approvers)  # the head approves, so the head is named too
    record(referral, actor=user, verb="referral.submitted", summary=f"提请负责人审批{referral.get_kind_display()}，拟移送{to_agency.name}")
    tell(approvers, referral, event="referral.approval_requested", title="移送审批")
    return referral


@transaction.atomic
def clue_approve(*, referral: Referral, user, approve: bool, opinion: str) -> Referral:
    """The head approves and the 线索移送函 goes out at once, or refuses with reasons."""
    if referral.status != ReferralStatus.PENDING_APPROVAL:
        raise ValidationError("该移送不在待审批状态。")
    if not approve and not opinion.strip():
        raise ValidationError({"opinion": "不批准移送的，应当写明理由。"})
    referral.approved_by, referral.approved_at, referral.approval_opinion = user, recording.now(), opinion
    if not approve:
        _end(referral, status=ReferralStatus.REFUSED)
        record(referral, actor=user, verb="referral.refused", summary="负责人不批准移送", data={"reason": opinion})
        tell(sending_side(referral), referral, event="referral.refused", title="负责人不批准移送", body=opinion)
        return referral
    letter = document_issue(
        agency=referral.from_agency, family=settings.LIANBAN_CLUE_DOC_FAMILY, title=f"{referral.get_kind_display()}函",
        case=referral.case, referral=referral, issued_by=user,
        build=lambda number: build_clue_letter(clue_letter_for(referral, number=number)),
    )
    referral.status, referral.sent_at = ReferralStatus.SENT, recording.now()
    referral.save()
    if referral.confidential:
        _grant(referral, [referral.recipient])
        receivers = [referral.recipient]
    else:
        grant_to_agency(agency=referral.to_agency, perm=VIEW_REFERRAL, obj=referral)
        receivers = agency_handlers(referral.to_agency)
    record(referral, actor=user, verb="referral.sent", summary=f"以{letter.number}移送{referral.to_agency.name}")
    tell(receivers, referral, event="referral.received", title=f"收到{referral.get_kind_display()}",
         body=f"{referral.from_agency.name}以{letter.number}移送，请签收并依法处理、反馈结果。")
    return referral


@transaction.atomic
def clue_acknowledge(*, referral: Referral, user, received_at: datetime, signer_title: str) -> Referral:
    received_at = receipt_time(referral, received_at)
    referral.receipt_signed_by, referral.receipt_signer_title, referral.received_at = user, signer_title, received_at
    referral.status = ReferralStatus.RECEIPTED
    referral.save()
    package.report_manifest(referral, user=user)
    clock = feedback_clock(referral.kind)
    if clock is not None and not referral.confidential:  # a confidential referral keeps no clock on the case's page
        start(clock, referral=referral, agency=referral.to_agency, url=referral_url(referral), started_at=received_at, responsible=user)
    record(referral, actor=user, agency=referral.to_agency, verb="referral.receipted", summary=f"{referral.to_agency.name}签收")
    tell(sending_side(referral), referral, event="referral.receipted", title="对方已签收")
    return referral


@transaction.atomic
def clue_feedback(*, referral: Referral, user, feedback: str, document_number: str = "") -> Referral:
    if referral.status != ReferralStatus.RECEIPTED:
        raise ValidationError("请先签收，再反馈处理结果。")
    if not feedback.strip():
        raise ValidationError({"feedback": "请填写处理结果（如：吊销执业证书、警告、罚款，或不属本机关职责的理由）。"})
    referral.feedback, referral.feedback_document_number = feedback, document_number
    referral.feedback_by, referral.feedback_at, referral.status = user, recording.now(), ReferralStatus.FEEDBACK_RECEIVED
    referral.save()
    clock_meet(target=referral, code=FEEDBACK_CODE)
    record(referral, actor=user, agency=referral.to_agency, verb="referral.feedback", summary="反馈处理结果")
    tell(sending_side(referral), referral, event="referral.feedback", title="收到处理结果反馈", body=feedback)
    return referral


def _end(referral: Referral, *, status: str) -> None:
    referral.status, referral.closed_at = status, recording.now()
    referral.save()
    case_services.case_resume_when_referrals_settled(case=referral.case)


@transaction.atomic
def clue_close(*, referral: Referral, user) -> Referral:
    if referral.status != ReferralStatus.FEEDBACK_RECEIVED:
        raise ValidationError("收到处理结果反馈后才能办结。")
    _end(referral, status=ReferralStatus.CLOSED)
    record(referral, actor=user, verb="referral.closed", summary=f"{referral.get_kind_display()}办结")
    return referral


@transaction.atomic
def referral_stop_tracking(*, referral: Referral, user, reason: str) -> Referral:
    """“不再跟踪”: the bureau stops following a clue referral, with reasons; the case may then close.
    (A criminal transfer has its own remedies — 复议, 立案监督 — and is not dropped this way.)"""
    if referral.kind not in CLUE_RECEIVERS:
        raise ValidationError("涉嫌犯罪案件移送不能标记为不再跟踪。")
    if referral.is_closed:
        raise ValidationError("该移送已办结。")
    if not reason.strip():
        raise ValidationError({"reason": "请写明不再跟踪的理由。"})
    referral.untracked_reason, referral.untracked_by = reason, user
    clock_cancel(target=referral, code=FEEDBACK_CODE, reason="不再跟踪")
    _end(referral, status=ReferralStatus.NOT_TRACKED)
    record(referral, actor=user, verb="referral.untracked", summary=f"不再跟踪：{reason}")
    return referral
