"""The 接入线索 application in the Material site."""

from __future__ import annotations

from django.urls import path
from viewflow.urls import Application

from agencies.permissions import acts_for_a_bureau
from systems import views


class SystemsApp(Application):
    title = "接入线索"
    icon = "cloud_download"
    app_name = "systems"
    permission = staticmethod(acts_for_a_bureau)  # officers of a 医疗保障局
    menu_template_name = None

    index_path = path("", views.LeadListView.as_view(), name="index")
