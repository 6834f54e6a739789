"""Who works on a typical-case publication: the officers of the bureau that handled the case; the
approval is the head's (`approve_publication`), and never the drafter's own."""

from __future__ import annotations

from agencies.permissions import ACT_FOR_AGENCY, APPROVE_PUBLICATION, can_act_for
from casework.models import Case
from casework.permissions import can_view_case


def can_see_publication(user, case: Case) -> bool:
    return can_view_case(user, case) and can_act_for(user, case.agency, ACT_FOR_AGENCY)


def can_approve_publication(user, case: Case) -> bool:
    return can_see_publication(user, case) and can_act_for(user, case.agency, APPROVE_PUBLICATION)
