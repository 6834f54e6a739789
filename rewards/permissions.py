"""Who may read and work on a tip-off reward: the officers of the bureau that handled the case; the
approval is the head's (`approve_reward`), and never the assessor's own."""

from __future__ import annotations

from agencies.permissions import ACT_FOR_AGENCY, APPROVE_REWARD, can_act_for
from casework.models import Case, CaseSource
from casework.permissions import can_view_case


def can_see_reward(user, case: Case) -> bool:
    """The reward tells that a reporter exists: it stays inside the bureau, even from agencies that see the case."""
    return case.source == CaseSource.TIP and can_view_case(user, case) and can_act_for(user, case.agency, ACT_FOR_AGENCY)


def can_approve_reward(user, case: Case) -> bool:
    return can_see_reward(user, case) and can_act_for(user, case.agency, APPROVE_REWARD)
