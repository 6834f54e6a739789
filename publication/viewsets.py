"""The 典型案例曝光 application in the Material site."""

from __future__ import annotations

from django.urls import path
from viewflow.urls import Application

from agencies.permissions import acts_for_a_bureau
from publication import views


class PublicationApp(Application):
    title = "典型案例曝光"
    icon = "campaign"
    app_name = "publication"
    permission = staticmethod(acts_for_a_bureau)  # officers of a 医疗保障局
    menu_template_name = None

    index_path = path("", views.PublicationListView.as_view(), name="index")
    case_path = path("cases/<int:case_id>/", views.PublicationCaseView.as_view(), name="case")
    docx_path = path("cases/<int:case_id>/typical-case.docx", views.publication_docx, name="docx")
