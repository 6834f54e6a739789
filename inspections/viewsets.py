"""The 监督检查 application in the Material site."""

from __future__ import annotations

from django.urls import path
from viewflow.urls import Application

from inspections import views
from inspections.permissions import can_use_inspections


class InspectionsApp(Application):
    title = "监督检查"
    icon = "fact_check"
    app_name = "inspections"
    permission = staticmethod(can_use_inspections)  # officers of a 医疗保障局 or 经办机构
    menu_template_name = None

    index_path = path("", views.InspectionListView.as_view(), name="index")
    record_path = path("new/", views.InspectionRecordView.as_view(), name="record")
