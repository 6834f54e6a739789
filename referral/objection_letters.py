"""The letters of the steps after the police decide: 提请复议书 (T7), 立案监督建议书 (T8) and the
涉案物品交接清单 (T3), built from the referral's records with the number just allocated."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from referral.letters.item_list import Item, ItemList
from referral.letters.reconsideration_request import PoliceNotice, ReconsiderationRequest
from referral.letters.supervision_proposal import SupervisionProposal as SupervisionLetter
from referral.letters.supervision_proposal import TransferHistory
from referral.models import Handover, Reconsideration, Referral, SupervisionProposal


def _transfer_letter(referral: Referral):
    return referral.documents.filter(family=settings.LIANBAN_TRANSFER_DOC_FAMILY).order_by("issued_at").first()


def _decline_notice(referral: Referral) -> PoliceNotice:
    return PoliceNotice(number=referral.decision_document_number, received_at=timezone.localtime(referral.decided_at))


def _evidence(referral: Referral) -> str:
    titles = [item.evidence.title for item in referral.package_items.select_related("evidence")]
    listed = "、".join(titles) if titles else "调查报告及相关材料"
    return f"随移送书移送的证据材料：{listed}。"


def reconsideration_request_for(referral: Referral, reconsideration: Reconsideration, *, number: str) -> ReconsiderationRequest:
    return ReconsiderationRequest(
        number=number,
        issuing_agency=referral.from_agency.name,
        deciding_agency=referral.to_agency.name,
        case_title=referral.case_title,
        transfer_number=_transfer_letter(referral).number,
        transferred_on=timezone.localdate(referral.sent_at),
        decline_notice=_decline_notice(referral),
        decline_reasons=referral.decision_reason,
        facts=referral.facts,
        amount=referral.amount,
        evidence=_evidence(referral),
        legal_reasons=reconsideration.reasons,
        new_evidence=tuple(line.strip() for line in reconsideration.new_evidence.splitlines() if line.strip()),
        contact_name=referral.contact_name,
        contact_phone=referral.contact_phone,
        issued_on=timezone.localdate(),
    )


def supervision_proposal_for(referral: Referral, supervision: SupervisionProposal, *, number: str) -> SupervisionLetter:
    reconsideration = getattr(referral, "reconsideration", None)
    decided = reconsideration is not None and reconsideration.decided_at is not None
    history = TransferHistory(
        transfer_number=_transfer_letter(referral).number,
        transferred_on=timezone.localdate(referral.sent_at),
        receipted_at=timezone.localtime(referral.received_at) if referral.received_at else None,
        decline_notice=_decline_notice(referral) if referral.decided_at else None,  # None: the police never decided
        reconsideration_number=reconsideration.letter.number if reconsideration and reconsideration.letter else "",
        reconsideration_requested_on=timezone.localdate(reconsideration.requested_at) if reconsideration else None,
        reconsideration_decision=(
            PoliceNotice(number=reconsideration.decision_number, received_at=timezone.localtime(reconsideration.decided_at))
            if decided else None
        ),
    )
    return SupervisionLetter(
        number=number,
        issuing_agency=referral.from_agency.name,
        procuratorate=supervision.procuratorate.name,
        police_agency=referral.to_agency.name,
        case_title=referral.case_title,
        summary=referral.facts,
        amount=referral.amount,
        history=history,
        reasons=supervision.reasons,
        contact_name=referral.contact_name,
        contact_phone=referral.contact_phone,
        issued_on=timezone.localdate(),
    )


def handover_list_for(referral: Referral, handover: Handover, *, number: str) -> ItemList:
    officer = getattr(handover.handed_over_by, "officer", None)
    return ItemList(
        purpose="交接",
        case_title=referral.case_title,
        transfer_number=_transfer_letter(referral).number,
        handing_agency=referral.from_agency.name,
        receiving_agency=referral.to_agency.name,
        items=tuple(Item(**item) for item in handover.items),
        handed_over_at=handover.handed_over_at,
        handed_over_by=(officer.display_name,) if officer else (),
        filing_notice_number=referral.decision_document_number,
        number=number,
    )


def item_list_for(referral: Referral, *, transfer_number: str, number: str) -> ItemList:
    """The 涉案物品清单 attached to the 移送书 (T3, purpose 清单)."""
    return ItemList(
        purpose="清单",
        case_title=referral.case_title,
        transfer_number=transfer_number,
        handing_agency=referral.from_agency.name,
        receiving_agency=referral.to_agency.name,
        items=tuple(Item(**item) for item in referral.seized_items),
        prepared_on=timezone.localdate(),
        number=number,
    )
