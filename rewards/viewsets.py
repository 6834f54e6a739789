"""The 举报奖励 application in the Material site."""

from __future__ import annotations

from django.urls import path
from viewflow.urls import Application

from agencies.permissions import acts_for_a_bureau
from rewards import views


class RewardsApp(Application):
    title = "举报奖励"
    icon = "redeem"
    app_name = "rewards"
    permission = staticmethod(acts_for_a_bureau)  # officers of a 医疗保障局
    menu_template_name = None

    index_path = path("", views.RewardListView.as_view(), name="index")
    case_path = path("cases/<int:case_id>/", views.RewardCaseView.as_view(), name="case")
