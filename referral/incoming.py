"""What other agencies hand to the bureau: a reverse transfer from the police (310 Art. 13; 行政处罚法
Art. 27) or a 检察意见 after 不起诉 (刑事诉讼法 Art. 177(3)). Tracked until the bureau's written reply
(复函) reaches the sender."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, AgencyKind
from agencies.permissions import ACT_FOR_AGENCY, can_act_for, grant_to_agency, officer_of
from casework import services as case_services
from casework.models import Case, CaseSource, ClockUnit
from referral.clocks import ClockSpec, meet, start
from referral.documents import document_issue
from referral.events import agency_handlers, record, referral_url, tell
from referral.letters.reply_letter import PROCURATORIAL_OPINION, REVERSE_TRANSFER, ReplyLetter, build_reply_letter
from referral.models import INCOMING_SENDERS, Referral, ReferralKind, ReferralStatus
from referral.permissions import VIEW_REFERRAL

CASE_SOURCE = {ReferralKind.REVERSE_TRANSFER: CaseSource.POLICE, ReferralKind.PROC_OPINION: CaseSource.PROCURATORATE}
LETTER_NAME = {ReferralKind.REVERSE_TRANSFER: REVERSE_TRANSFER, ReferralKind.PROC_OPINION: PROCURATORIAL_OPINION}


def reply_clock(kind: str) -> ClockSpec:
    if kind == ReferralKind.PROC_OPINION:
        return ClockSpec(
            "incoming.reply", "书面答复人民检察院", "《中华人民共和国刑事诉讼法》第一百七十七条第三款（期限为默认值，未见统一规定）",
            settings.LIANBAN_PROC_OPINION_REPLY_MONTHS, ClockUnit.MONTHS, "收到检察意见书",
        )
    return ClockSpec(
        "incoming.reply", "依法处理反向移送案件并书面答复", "《行政执法机关移送涉嫌犯罪案件的规定》第十三条（期限为默认值，未见统一规定）",
        settings.LIANBAN_REVERSE_TRANSFER_REPLY_WORKING_DAYS, ClockUnit.WORKING_DAYS, "签收反向移送函",
    )


def incoming_kind_for(user) -> ReferralKind | None:
    """What the user's agency may send the bureau: the police a reverse transfer, the procuratorate a 检察意见."""
    officer = officer_of(user)
    if officer is None or not can_act_for(user, officer.agency, ACT_FOR_AGENCY):
        return None
    return next((kind for kind, sender in INCOMING_SENDERS.items() if sender == officer.agency.kind), None)


@transaction.atomic
def incoming_send(
    *,
    user,
    to_agency: Agency,
    case_title: str,
    facts: str,
    request: str,
    incoming_number: str,
    incoming_issued_on: date,
    persons_involved: str = "",
    amount=0,
    contact_name: str = "",
    contact_phone: str = "",
) -> Referral:
    kind = incoming_kind_for(user)
    if kind is None:
        raise PermissionDenied("只有公安机关可以反向移送、人民检察院可以制发检察意见。")
    errors: dict[str, str] = {}
    if to_agency.kind != AgencyKind.MSB:
        errors["to_agency"] = "请选择医疗保障行政部门。"
    if not incoming_number.strip():
        errors["incoming_number"] = "请填写来文文号。"
    if incoming_issued_on > timezone.localdate():
        errors["incoming_issued_on"] = "来文日期不能晚于今天。"
    if not facts.strip():
        errors["facts"] = "请写明案件事实。"
    if errors:
        raise ValidationError(errors)
    sender = officer_of(user).agency
    referral = Referral.objects.create(
        kind=kind, from_agency=sender, to_agency=to_agency, created_by=user, case_title=case_title, facts=facts,
        request=request, persons_involved=persons_involved, amount=amount, incoming_number=incoming_number,
        incoming_issued_on=incoming_issued_on, contact_name=contact_name, contact_phone=contact_phone,
        status=ReferralStatus.SENT, sent_at=timezone.now(),
    )
    for agency in (sender, to_agency):
        grant_to_agency(agency=agency, perm=VIEW_REFERRAL, obj=referral)
    record(referral, actor=user, agency=sender, verb="referral.sent", summary=f"{sender.name}以{incoming_number}{kind.label}")
    tell(agency_handlers(to_agency), referral, event="referral.received", title=f"收到{kind.label}",
         body=f"{sender.name}（{incoming_number}），请签收、依法处理并书面答复。")
    return referral


@transaction.atomic
def incoming_acknowledge(*, referral: Referral, user, received_at: datetime, signer_title: str) -> Case:
    """The bureau signs for it and registers a lead of its own; the reply clock starts."""
    received_at = received_at.replace(second=0, microsecond=0)
    if referral.status != ReferralStatus.SENT:
        raise ValidationError("该来文不在待签收状态。")
    if not referral.sent_at.replace(second=0, microsecond=0) <= received_at <= timezone.now():
        raise ValidationError({"received_at": "签收时间应在来文送达之后、当前时间之前。"})
    kind = ReferralKind(referral.kind)
    case = case_services.case_register(
        user=user, title=referral.case_title, source=CASE_SOURCE[kind], summary=referral.facts,
        source_detail=f"{referral.from_agency.short_name}{referral.incoming_number}", amount_involved=referral.amount,
    )
    referral.case, referral.received_at, referral.receipt_signed_by = case, received_at, user
    referral.receipt_signer_title, referral.status = signer_title, ReferralStatus.RECEIPTED
    referral.save()
    start(reply_clock(kind), referral=referral, agency=referral.to_agency, url=referral_url(referral), started_at=received_at, responsible=user)
    record(referral, actor=user, agency=referral.to_agency, verb="referral.receipted", summary=f"签收{kind.label}，登记为线索 {case.number}")
    tell([referral.created_by], referral, event="referral.receipted", title="医疗保障部门已签收")
    return case


@transaction.atomic
def incoming_reply(*, referral: Referral, user, reply: str, measures: list[str] | None = None) -> Referral:
    """The 复函: how the bureau handled it (filed and penalised, or why not), numbered and sent."""
    if referral.status != ReferralStatus.RECEIPTED:
        raise ValidationError("签收后才能书面答复。")
    if not reply.strip():
        raise ValidationError({"reply": "请写明处理结果（立案查处及处罚决定，或不予处罚、不予立案的理由）。"})
    officer = officer_of(user)
    letter = document_issue(
        agency=referral.to_agency, family=settings.LIANBAN_CLUE_DOC_FAMILY, title="复函", case=referral.case, referral=referral,
        issued_by=user,
        build=lambda number: build_reply_letter(ReplyLetter(
            number=number, issuing_agency=referral.to_agency.name, addressee=referral.from_agency.name,
            regarding=LETTER_NAME[ReferralKind(referral.kind)], incoming_number=referral.incoming_number,
            incoming_issued_on=referral.incoming_issued_on, received_at=timezone.localtime(referral.received_at),
            case_title=referral.case_title, result=reply, measures=tuple(measures or ()),
            contact_name=officer.display_name if officer else "", contact_phone=officer.phone if officer else "",
            issued_on=timezone.localdate(),
        )),
    )
    referral.reply, referral.replied_at, referral.status = reply, timezone.now(), ReferralStatus.REPLIED
    referral.save()
    meet(reply_clock(referral.kind), referral=referral)
    record(referral, actor=user, agency=referral.to_agency, verb="referral.replied", summary=f"以{letter.number}书面答复{referral.from_agency.name}")
    tell(agency_handlers(referral.from_agency), referral, event="referral.replied", title="收到书面答复", body=reply)
    return referral


@transaction.atomic
def incoming_reply_received(*, referral: Referral, user) -> Referral:
    """The sender signs for the reply: the handoff is complete."""
    if referral.status != ReferralStatus.REPLIED:
        raise ValidationError("没有待签收的书面答复。")
    referral.reply_confirmed_by, referral.reply_confirmed_at = user, timezone.now()
    referral.status, referral.closed_at = ReferralStatus.CLOSED, timezone.now()
    referral.save()
    record(referral, actor=user, agency=referral.from_agency, verb="referral.reply_received", summary=f"{referral.from_agency.name}签收书面答复")
    case_services.case_resume_when_referrals_settled(case=referral.case)
    return referral
