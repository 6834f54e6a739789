"""What other agencies hand to the bureau: a reverse transfer from the police (310 Art. 13; 行政处罚法
Art. 27) or a 检察意见 after 不起诉 (刑事诉讼法 Art. 177(3)). Tracked until the bureau's written reply
(复函) reaches the sender."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies import recording
from agencies.models import Agency, AgencyKind
from agencies.permissions import ACT_FOR_AGENCY, APPROVE_EXTENSION, can_act_for, grant_to_agency, officer_of
from casework import services as case_services
from casework.clocks import clock_extend_two_step, clock_meet, open_clock
from casework.models import AssignedClueExtension, Case, CaseSource, CaseStatus, ClockUnit
from casework.nodes import resume_waiting
from casework.source_clocks import DOCUMENT_NAME, REPLY_CLOCK
from casework.source_clocks import reply_clock as source_reply_clock
from casework.source_reply import assignment_extension_rule
from referral.clocks import ClockSpec, meet, start
from referral.documents import document_issue
from referral.events import agency_handlers, receipt_time, record, referral_url, tell
from referral.letters.item_list import Item, ItemList, build_item_list
from referral.letters.reply_letter import ReplyLetter, build_reply_letter
from referral.models import (
    FROM_HIGHER_BUREAU,
    INCOMING_SENDERS,
    Referral,
    ReferralKind,
    ReferralStatus,
)
from referral.package import clean_items
from referral.permissions import VIEW_REFERRAL

CASE_SOURCE = {
    ReferralKind.REVERSE_TRANSFER: CaseSource.POLICE,
    ReferralKind.PROC_OPINION: CaseSource.PROCURATORATE,
    ReferralKind.ASSIGNED_CLUE: CaseSource.ASSIGNED,
    ReferralKind.FLY_HANDOVER: CaseSource.FLYING,
    ReferralKind.AGENCY_HANDOVER: CaseSource.HANDLING_AGENCY,
}
# The document each kind comes with, and the clock the bureau runs on it: one table for a handoff
# signed for here and one entered by hand from paper (casework.source_clocks).
LETTER_NAME = {kind: DOCUMENT_NAME[source] for kind, source in CASE_SOURCE.items()}


def reply_clock(kind: str) -> ClockSpec:
    """What the bureau owes the sender, by when (domain §3 and §7; every period a setting)."""
    return source_reply_clock(CASE_SOURCE[ReferralKind(kind)])


def incoming_kinds_for(user) -> list[ReferralKind]:
    """What the user's agency may hand the bureau: the police a reverse transfer, the procuratorate a
    检察意见, a bureau a 交办 or 飞检移交 to the bureaus below it, the handling agency its 移交."""
    officer = officer_of(user)
    if officer is None or not can_act_for(user, officer.agency, ACT_FOR_AGENCY):
        return []
    kinds = [kind for kind, sender in INCOMING_SENDERS.items() if sender == officer.agency.kind]
    if kinds and kinds[0] in FROM_HIGHER_BUREAU and not officer.agency.children.filter(kind=AgencyKind.MSB).exists():
        return []
    return kinds


def _receiver_error(kind: ReferralKind, sender: Agency, to_agency: Agency) -> str:
    if to_agency.kind != AgencyKind.MSB:
        return "请选择医疗保障行政部门。"
    if kind in FROM_HIGHER_BUREAU and not _is_above(sender, to_agency):
        return "交办和飞行检查移交只能送往本机关的下级医疗保障部门。"
    if kind not in FROM_HIGHER_BUREAU and to_agency.region_code != sender.region_code:
        return "应当移送同级（同一行政区域）的医疗保障行政部门。"
    return ""


def _is_above(upper: Agency, agency: Agency) -> bool:
    parent = agency.parent
    while parent is not None:
        if parent.pk == upper.pk:
            return True
        parent = parent.parent
    return False


def withdrawable_transfers(*, user):
    """Transfers the user's police organ filed and took the items for: what a 撤案 may send back."""
    officer = officer_of(user)
    if officer is None or officer.agency.kind != AgencyKind.PSB:
        return Referral.objects.none()
    return Referral.objects.filter(
        kind=ReferralKind.CRIMINAL_TRANSFER, to_agency=officer.agency, status=ReferralStatus.HANDED_OVER, returns__isnull=True
    )


@transaction.atomic
def incoming_send(
    *,
    user,
    kind: str,
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
    origin: Referral | None = None,
    returned_items: list[dict] | None = None,
) -> Referral:
    allowed = incoming_kinds_for(user)
    if not allowed:
        raise PermissionDenied("本机关没有可以向医疗保障部门移送的来文类型。")
    if kind not in allowed:
        raise ValidationError({"kind": "本机关不能制发这类来文。"})
    kind = ReferralKind(kind)
    sender = officer_of(user).agency
    errors: dict[str, str] = {}
    if message := _receiver_error(kind, sender, to_agency):
        errors["to_agency"] = message
    if not incoming_number.strip():
        errors["incoming_number"] = "请填写来文文号。"
    if incoming_issued_on > timezone.localdate():
        errors["incoming_issued_on"] = "来文日期不能晚于今天。"
    if not facts.strip():
        errors["facts"] = "请写明案件事实。"
    if origin is not None and (kind != ReferralKind.REVERSE_TRANSFER or origin not in withdrawable_transfers(user=user)):
        errors["origin"] = "只能选择本机关已立案并接收涉案物品的移送。"
    if errors:
        raise ValidationError(errors)
    referral = Referral.objects.create(
        kind=kind, from_agency=sender, to_agency=to_agency, created_by=user, case_title=case_title, facts=facts,
        request=request, persons_involved=persons_involved, amount=amount, incoming_number=incoming_number,
        incoming_issued_on=incoming_issued_on, contact_name=contact_name, contact_phone=contact_phone,
        status=ReferralStatus.SENT, sent_at=recording.now(), origin=origin, seized_items=clean_items(returned_items or []),
    )
    if origin is not None:  # edge case 11: the police filed, then withdrew — on the original case's timeline too
        record(origin, actor=user, agency=sender, verb="referral.withdrawn",
               summary=f"{sender.name}撤销案件，以{incoming_number}反向移送，退回涉案物品 {len(referral.seized_items)} 项")
    for agency in (sender, to_agency):
        grant_to_agency(agency=agency, perm=VIEW_REFERRAL, obj=referral)
    record(referral, actor=user, agency=sender, verb="referral.sent", summary=f"{sender.name}以{incoming_number}{kind.label}")
    tell(agency_handlers(to_agency), referral, event="referral.received", title=f"收到{kind.label}",
         body=f"{sender.name}（{incoming_number}），请签收、依法处理并书面答复。")
    return referral


def resumable_cases(referral: Referral):
    """What a 检察意见 may concern: the bureau's cases the police had filed (None: not asked for this kind)."""
    if referral.kind != ReferralKind.PROC_OPINION:
        return None
    return Case.objects.filter(agency=referral.to_agency, status=CaseStatus.TRANSFERRED).order_by("-registered_at")


def _original_case(referral: Referral, resumes: Case | None) -> Case | None:
    """The transferred case this incoming document takes up again, if any (domain §12 edges 10, 11)."""
    if referral.origin_id is not None:  # the police withdrew a case they had filed: the original comes back
        return referral.origin.case
    if resumes is None:
        return None
    candidates = resumable_cases(referral)
    if candidates is None or not candidates.filter(pk=resumes.pk).exists():
        raise ValidationError({"resumes": "只能选择本局已移送公安机关并已立案的案件。"})
    return resumes


@transaction.atomic
def incoming_acknowledge(
    *, referral: Referral, user, received_at: datetime, signer_title: str, resumes: Case | None = None
) -> Case:
    """The bureau signs for it and registers a lead of its own — taking up the original case again
    where the document concerns one the bureau had transferred; the reply clock starts."""
    received_at = receipt_time(referral, received_at)
    kind = ReferralKind(referral.kind)
    case = case_services.case_register(
        user=user, title=referral.case_title, source=CASE_SOURCE[kind], summary=referral.facts,
        source_detail=f"{referral.from_agency.short_name}{referral.incoming_number}", amount_involved=referral.amount,
        resumes=_original_case(referral, resumes),
    )
    referral.case, referral.received_at, referral.receipt_signed_by = case, received_at, user
    referral.receipt_signer_title, referral.status = signer_title, ReferralStatus.RECEIPTED
    referral.save()
    start(reply_clock(kind), referral=referral, agency=referral.to_agency, url=referral_url(referral), started_at=received_at, responsible=user)
    if referral.seized_items:
        _returned_items_list(referral, user=user)
    record(referral, actor=user, agency=referral.to_agency, verb="referral.receipted", summary=f"签收{kind.label}，登记为线索 {case.number}")
    tell([referral.created_by], referral, event="referral.receipted", title="医疗保障部门已签收")
    return case


def _returned_items_list(referral: Referral, *, user) -> None:
    """The items the police give back come with a 交接清单 (the custody chain of 310 Art. 12, reversed)."""
    officer = officer_of(user)
    document_issue(
        agency=referral.to_agency, family=settings.LIANBAN_HANDOVER_DOC_FAMILY, title="涉案物品交接清单（退回）",
        case=referral.case, referral=referral, issued_by=user,
        build=lambda number: build_item_list(ItemList(
            purpose="交接", case_title=referral.case_title,
            transfer_number=referral.origin.documents.get(family=settings.LIANBAN_TRANSFER_DOC_FAMILY).number
            if referral.origin else referral.incoming_number,
            handing_agency=referral.from_agency.name, receiving_agency=referral.to_agency.name,
            items=tuple(Item(**item) for item in referral.seized_items), handed_over_at=referral.received_at,
            received_by=(officer.display_name,) if officer else (), number=number,
        )),
    )


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
    referral.reply, referral.replied_at, referral.status = reply, recording.now(), ReferralStatus.REPLIED
    referral.save()
    meet(reply_clock(referral.kind), referral=referral)
    record(referral, actor=user, agency=referral.to_agency, verb="referral.replied", summary=f"以{letter.number}书面答复{referral.from_agency.name}")
    tell(agency_handlers(referral.from_agency), referral, event="referral.replied", title="收到书面答复", body=reply)
    return referral


def needs_final_report(referral: Referral) -> bool:
    """A 飞行检查移交 is answered twice: progress and rectification plan, then a written report once handled."""
    return referral.kind == ReferralKind.FLY_HANDOVER and referral.final_reported_at is None


@transaction.atomic
def incoming_reply_received(*, referral: Referral, user) -> Referral:
    """The sender signs for the reply: the handoff is complete — unless a final report is still owed."""
    if referral.status != ReferralStatus.REPLIED:
        raise ValidationError("没有待签收的书面答复。")
    referral.reply_confirmed_by, referral.reply_confirmed_at = user, recording.now()
    if needs_final_report(referral):
        referral.status = ReferralStatus.PROGRESS_REPORTED
        referral.save()
        record(referral, actor=user, agency=referral.from_agency, verb="referral.progress_received",
               summary=f"{referral.from_agency.name}签收处理进度和整改方案，待办结后书面报告")
        if referral.handling_completed_at:
            _start_final_report_clock(referral)
        return referral
    referral.status, referral.closed_at = ReferralStatus.CLOSED, recording.now()
    referral.save()
    record(referral, actor=user, agency=referral.from_agency, verb="referral.reply_received", summary=f"{referral.from_agency.name}签收书面答复")
    case_services.case_resume_when_referrals_settled(case=referral.case)
    return referral


# --- 上级交办: extensions (2018 national practice; domain §3 SRC-ASSIGN; the rule: casework.source_reply) -

def can_extend_assignment(user, referral: Referral) -> bool:
    """The receiving bureau's head, while a 交办 is being handled and a further extension is possible."""
    return (
        referral.kind == ReferralKind.ASSIGNED_CLUE
        and referral.status == ReferralStatus.RECEIPTED
        and user.is_authenticated
        and user.has_perm(APPROVE_EXTENSION, referral.to_agency)
        and (deadline := open_clock(target=referral, code=REPLY_CLOCK)) is not None
        and deadline.extensions.count() < len(AssignedClueExtension)
    )


@transaction.atomic
def incoming_extend(*, referral: Referral, user, extension: str, reason: str, studied_on: date | None = None):
    """3 months from receipt with the head's approval; at most 6 after collective study, and only
    after the first extension. The assigning bureau is told."""
    if not can_extend_assignment(user, referral):
        raise PermissionDenied("只有承办单位负责人可以在办理期间批准延长交办期限。")
    extension = AssignedClueExtension(extension)
    deadline, reason = clock_extend_two_step(
        deadline=open_clock(target=referral, code=REPLY_CLOCK), rule=assignment_extension_rule(), user=user,
        collective=extension == AssignedClueExtension.COLLECTIVE, label=extension.label, reason=reason,
        studied_on=studied_on,
    )
    due = timezone.localtime(deadline.due_at)
    record(referral, actor=user, agency=referral.to_agency, verb="referral.extended",
           summary=f"{extension.label}，办理期限至 {due:%Y-%m-%d}", data={"reason": reason})
    tell(agency_handlers(referral.from_agency), referral, event="referral.extended", title="交办线索延期办理",
         body=f"{referral.to_agency.name}：{extension.label}，办理期限至 {due:%Y-%m-%d}。理由：{reason}")
    return deadline


# --- 飞行检查移交: the written report after handling (令第6号; domain §3 SRC-FLY, §6.9) ---------------

FINAL_REPORT = "incoming.final_report"


def _start_final_report_clock(referral: Referral) -> None:
    start(ClockSpec(
        FINAL_REPORT, "报送飞行检查移交问题的书面报告", "《医疗保障基金飞行检查管理暂行办法》（国家医疗保障局令第6号）",
        settings.LIANBAN_FLY_FINAL_REPORT_WORKING_DAYS, ClockUnit.WORKING_DAYS, "移交问题处理完毕",
    ), referral=referral, agency=referral.to_agency, url=referral_url(referral), started_at=referral.handling_completed_at,
        responsible=referral.receipt_signed_by)


@transaction.atomic
def incoming_case_handled(*, case: Case) -> list[Referral]:
    """The bureau's case reached its handling result: each 飞行检查移交 behind it now owes its written
    report within 5 working days (the clock starts once the progress report has been signed for)."""
    handled = []
    for referral in case.referrals.filter(kind=ReferralKind.FLY_HANDOVER, handling_completed_at__isnull=True):
        referral.handling_completed_at = recording.now()
        referral.save(update_fields=["handling_completed_at"])
        record(referral, actor=None, agency=referral.to_agency, verb="referral.handled", summary=f"案件 {case.number} 已办结，待报送书面报告")
        if referral.status == ReferralStatus.PROGRESS_REPORTED:
            _start_final_report_clock(referral)
            resume_waiting(referral.process, "await_handling")
        handled.append(referral)
    return handled


@transaction.atomic
def incoming_final_report(*, referral: Referral, user, report: str, measures: list[str] | None = None) -> Referral:
    """The numbered written report of what was found and put right, sent to the organising bureau."""
    if referral.status != ReferralStatus.PROGRESS_REPORTED or referral.handling_completed_at is None:
        raise ValidationError("移交问题处理完毕、处理进度已送达后才能报送书面报告。")
    if not report.strip():
        raise ValidationError({"report": "请写明查处结果及整改落实情况。"})
    officer = officer_of(user)
    letter = document_issue(
        agency=referral.to_agency, family=settings.LIANBAN_CLUE_DOC_FAMILY, title="书面报告", case=referral.case,
        referral=referral, issued_by=user,
        build=lambda number: build_reply_letter(ReplyLetter(
            number=number, issuing_agency=referral.to_agency.name, addressee=referral.from_agency.name,
            regarding=LETTER_NAME[ReferralKind.FLY_HANDOVER], incoming_number=referral.incoming_number,
            incoming_issued_on=referral.incoming_issued_on, received_at=timezone.localtime(referral.received_at),
            case_title=referral.case_title, result=report, measures=tuple(measures or ()), report=True,
            contact_name=officer.display_name if officer else "", contact_phone=officer.phone if officer else "",
            issued_on=timezone.localdate(),
        )),
    )
    referral.final_report, referral.final_reported_at = report, recording.now()
    referral.status = ReferralStatus.REPLIED
    referral.save()
    clock_meet(target=referral, code=FINAL_REPORT)
    record(referral, actor=user, agency=referral.to_agency, verb="referral.final_reported",
           summary=f"以{letter.number}报送书面报告")
    tell(agency_handlers(referral.from_agency), referral, event="referral.replied", title="收到飞行检查移交问题的书面报告", body=report)
    return referral
