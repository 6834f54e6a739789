"""Starting and dropping referrals from the pages: the service and the referral's own process,
together in one transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from agencies.permissions import APPROVE_CASE, can_act_for
from casework.models import Case
from casework.permissions import can_edit_case
from referral import clues
from referral import incoming
from referral.clue_flow import ClueReferralFlow
from referral.incoming_flow import IncomingReferralFlow
from referral.models import Referral


@transaction.atomic
def clue_referral_start(*, case: Case, kind: str, user) -> Referral:
    """An officer of the owning bureau opens a clue referral; its first task is theirs."""
    if not can_edit_case(user, case):
        raise PermissionDenied("只有承办机关的工作人员可以在办案期间移送线索。")
    return ClueReferralFlow.start.run(case=case, kind=kind, opened_by=user).referral


def can_stop_tracking(user, referral: Referral) -> bool:
    return not referral.is_closed and can_act_for(user, referral.from_agency, APPROVE_CASE) and user.has_perm(
        "referral.view_referral", referral
    )


@transaction.atomic
def clue_referral_stop_tracking(*, referral: Referral, user, reason: str) -> Referral:
    """“不再跟踪”, decided by a section chief or the head of the sending bureau; the process is cancelled."""
    if not can_stop_tracking(user, referral):
        raise PermissionDenied("只有移送机关的负责人可以决定不再跟踪。")
    clues.referral_stop_tracking(referral=referral, user=user, reason=reason)
    process = referral.process
    process.flow_class.instance.cancel(process)
    return referral


@transaction.atomic
def incoming_referral_start(*, user, **fields) -> Referral:
    """The police (反向移送) or the procuratorate (检察意见) send the bureau a case; its process starts."""
    referral = incoming.incoming_send(user=user, **fields)
    IncomingReferralFlow.start.run(referral=referral)
    return referral
