"""The 举报奖励 application in the Material site."""

from __future__ import annotations

from django.urls import path
from viewflow.urls import Application

from agencies.models import AgencyKind
from agencies.permissions import ACT_FOR_AGENCY, can_act_for, officer_of
from rewards import views


def can_use_rewards(user) -> bool:
    """Officers of a 医疗保障局 (the bureau pays the rewards, domain.md §2)."""
    officer = officer_of(user)
    return officer is not None and officer.agency.kind == AgencyKind.MSB and can_act_for(user, officer.agency, ACT_FOR_AGENCY)


class RewardsApp(Application):
    title = "举报奖励"
    icon = "redeem"
    app_name = "rewards"
    permission = staticmethod(can_use_rewards)
    menu_template_name = None

    index_path = path("", views.RewardListView.as_view(), name="index")
    case_path = path("cases/<int:case_id>/", views.RewardCaseView.as_view(), name="case")
