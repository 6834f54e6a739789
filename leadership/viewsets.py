"""The 统计与督办看板 application in the Material site: the leadership dashboard and the statistics."""

from __future__ import annotations

from django.urls import path
from django.views.generic import RedirectView
from viewflow.urls import Application

from leadership import views
from leadership.dashboard_views import DashboardView
from leadership.permissions import can_view_statistics


class LeadershipApp(Application):
    title = "统计与督办看板"
    icon = "insights"
    app_name = "leadership"
    permission = staticmethod(can_view_statistics)  # officers of a 医疗保障局
    menu_template_name = None

    index_path = path("", RedirectView.as_view(pattern_name="leadership:dashboard"), name="index")
    statistics_path = path("statistics/", views.StatisticsView.as_view(), name="statistics")
    statistics_export_path = path("statistics/export.xlsx", views.statistics_export, name="statistics_export")
    dashboard_path = path("dashboard/", DashboardView.as_view(), name="dashboard")
