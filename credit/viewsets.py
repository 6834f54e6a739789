"""The 信用管理 application in the Material site."""

from __future__ import annotations

from django.urls import path
from viewflow.urls import Application

from agreements.permissions import can_use_agreements
from credit import views


class CreditApp(Application):
    title = "信用管理"
    icon = "verified_user"
    app_name = "credit"
    permission = staticmethod(can_use_agreements)  # officers of a 医疗保障局 or 经办机构
    menu_template_name = None

    index_path = path("", views.CreditListView.as_view(), name="index")
    export_path = path("export.xlsx", views.credit_export, name="export")
