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
from referral.events import agency_handlers, receipt_time, record, referral_url, tell
from referral.letters.item_list import Item, ItemList, build_item_list
from referral.letters.reply_letter import PROCURATORIAL_OPINION, REVERSE_TRANSFER, ReplyLetter, build_reply_letter
from referral.models import FROM_HIGHER_BUREAU, INCOMING_SENDERS, Referral, ReferralKind, ReferralStatus
from referral.package import clean_items
from referral.permissions import VIEW_REFERRAL

CASE_SOURCE = {
    ReferralKind.REVERSE_TRANSFER: CaseSource.POLICE,
    ReferralKind.PROC_OPINION: CaseSource.PROCURATORATE,
    ReferralKind.ASSIGNED_CLUE: CaseSource.ASSIGNED,
    ReferralKind.FLY_HANDOVER: CaseSource.FLYING,
    ReferralKind.AGENCY_HANDOVER: CaseSource.HANDLING_AGENCY,
}
LETTER_NAME = {
    ReferralKind.REVERSE_TRANSFER: REVERSE_TRANSFER,
    ReferralKind.PROC_OPINION: PROCURATORIAL_OPINION,
    ReferralKind.ASSIGNED_CLUE: "交办单",
    ReferralKind.FLY_HANDOVER: "飞行检查移交材料",
    ReferralKind.AGENCY_HANDOVER: "移交函",
}
DEFAULT_PERIOD = "（期限为默认值，未见统一规定）"


def reply_clock(kind: str) -> ClockSpec:
    """What the bureau owes the sender, by when (domain §3 and §7; every period a setting)."""
    kind = ReferralKind(kind)
    table = {
        ReferralKind.REVERSE_TRANSFER: (
            "依法处理反向移送案件并书面答复", "《行政执法机关移送涉嫌犯罪案件的规定》第十三条" + DEFAULT_PERIOD,
            settings.LIANBAN_REVERSE_TRANSFER_REPLY_WORKING_DAYS, ClockUnit.WORKING_DAYS),
        ReferralKind.PROC_OPINION: (
            "书面答复人民检察院", "《中华人民共和国刑事诉讼法》第一百七十七条第三款" + DEFAULT_PERIOD,
            settings.LIANBAN_PROC_OPINION_REPLY_MONTHS, ClockUnit.MONTHS),
        ReferralKind.ASSIGNED_CLUE: (
            "办结交办线索并报告", "国家医保局交办线索办理要求（30个工作日；经负责人批准可延至3个月）",
            settings.LIANBAN_ASSIGNED_CLUE_REPORT_WORKING_DAYS, ClockUnit.WORKING_DAYS),
        ReferralKind.FLY_HANDOVER: (
            "报送处理进度和整改方案", "《医疗保障基金飞行检查管理暂行办法》（国家医疗保障局令第6号）",
            settings.LIANBAN_FLY_PROGRESS_WORKING_DAYS, ClockUnit.WORKING_DAYS),
        ReferralKind.AGENCY_HANDOVER: (
            "决定是否立案并告知经办机构", "《医疗保障行政处罚程序暂行规定》立案期限" + DEFAULT_PERIOD,
            settings.LIANBAN_AGENCY_HANDOVER_INTAKE_WORKING_DAYS, ClockUnit.WORKING_DAYS),
    }
    title, basis, amount, unit = table[kind]
    return ClockSpec("incoming.reply", title, basis, amount, unit, f"签收{LETTER_NAME[kind]}")


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
        status=ReferralStatus.SENT, sent_at=timezone.now(), origin=origin, seized_items=clean_items(returned_items or []),
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


@transaction.atomic
def incoming_acknowledge(*, referral: Referral, user, received_at: datetime, signer_title: str) -> Case:
    """The bureau signs for it and registers a lead of its own; the reply clock starts."""
    received_at = receipt_time(referral, received_at)
    kind = ReferralKind(referral.kind)
    case = case_services.case_register(
        user=user, title=referral.case_title, source=CASE_SOURCE[kind], summary=referral.facts,
        source_detail=f"{referral.from_agency.short_name}{referral.incoming_number}", amount_involved=referral.amount,
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
