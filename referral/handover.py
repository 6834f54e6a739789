"""After 立案: the bureau hands over the seized items and remaining materials within 3 days, on a
交接清单 both sides sign (310 Art. 12)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from agencies import recording
from referral import clocks
from referral.documents import document_issue
from referral.letters.item_list import build_item_list
from referral.objection_letters import handover_list_for
from referral.package import clean_items
from referral.events import agency_handlers, record, sending_side, tell
from referral.models import Handover, Referral, ReferralStatus

def _clean_items(items: list[dict]) -> list[dict]:
    cleaned = clean_items(items)
    if not cleaned:
        raise ValidationError({"items": "交接清单至少应有一项涉案物品或材料。"})
    return cleaned


@transaction.atomic
def handover_record(*, referral: Referral, user, items: list[dict]) -> Handover:
    if referral.status != ReferralStatus.FILED or hasattr(referral, "handover"):
        raise ValidationError("该移送不在待移交涉案物品的状态。")
    handover = Handover.objects.create(referral=referral, items=_clean_items(items), handed_over_by=user, handed_over_at=recording.now())
    handover.letter = document_issue(
        agency=referral.from_agency, family=settings.LIANBAN_HANDOVER_DOC_FAMILY, title="涉案物品交接清单",
        case=referral.case, referral=referral, issued_by=user,
        build=lambda number: build_item_list(handover_list_for(referral, handover, number=number)),
    )
    handover.save(update_fields=["letter"])
    clocks.meet(clocks.HANDOVER, referral=referral)
    record(referral, actor=user, verb="referral.handed_over", summary=f"移交涉案物品及材料 {len(handover.items)} 项")
    tell(agency_handlers(referral.to_agency), referral, event="referral.handed_over", title="请接收涉案物品",
         body=f"{referral.from_agency.name}移交涉案物品及材料 {len(handover.items)} 项，请核对并在交接清单上签收。")
    return handover


@transaction.atomic
def handover_confirm(*, referral: Referral, user) -> Handover:
    handover = referral.handover
    if handover.confirmed_at:
        raise ValidationError("交接清单已签收。")
    handover.confirmed_by, handover.confirmed_at = user, recording.now()
    handover.save()
    referral.status = ReferralStatus.HANDED_OVER
    referral.save()
    record(referral, actor=user, agency=referral.to_agency, verb="referral.handover_confirmed", summary="接收机关在交接清单上签收")
    tell(sending_side(referral), referral, event="referral.handover_confirmed", title="涉案物品已签收")
    return handover
