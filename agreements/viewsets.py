"""The 协议管理 application in the Material site."""

from __future__ import annotations

from django.urls import path
from viewflow.urls import Application

from agreements import views
from agreements.permissions import can_use_agreements


class AgreementsApp(Application):
    title = "协议管理"
    icon = "gavel"
    app_name = "agreements"
    permission = staticmethod(can_use_agreements)  # officers of a 经办机构 or a 医疗保障局
    menu_template_name = None  # the site menu lists the application; its pages link to each other

    index_path = path("", views.InstitutionListView.as_view(), name="index")
    institution_register_path = path("new/", views.InstitutionRegisterView.as_view(), name="institution_register")
    detail_path = path("<int:institution_id>/", views.InstitutionDetailView.as_view(), name="detail")
    action_record_path = path("<int:institution_id>/actions/new/", views.ActionRecordView.as_view(), name="action_record")
    resume_path = path("<int:institution_id>/resume/", views.ResumeView.as_view(), name="resume")
    action_conclude_path = path("actions/<int:action_id>/conclude/", views.ActionConcludeView.as_view(), name="action_conclude")
    applications_path = path("applications/", views.ApplicationListView.as_view(), name="applications")
    application_submit_path = path("applications/new/", views.ApplicationSubmitView.as_view(), name="application_submit")
    practitioners_path = path("practitioners/", views.PractitionerListView.as_view(), name="practitioners")
    practitioner_register_path = path(
        "practitioners/new/", views.PractitionerRegisterView.as_view(), name="practitioner_register"
    )
    practitioner_path = path("practitioners/<int:practitioner_id>/", views.PractitionerDetailView.as_view(), name="practitioner")
    points_record_path = path(
        "practitioners/<int:practitioner_id>/points/new/", views.PointsRecordView.as_view(), name="points_record"
    )
