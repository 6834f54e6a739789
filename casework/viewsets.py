"""The 案件 application in the Material site."""

from __future__ import annotations

from django.urls import path
from viewflow.urls import Application

from agencies.permissions import officer_of
from casework import views
from casework.screening_views import HitCheckView, ScreeningImportView, ScreeningJobView, feedback_export, screening_job_json


def is_officer(user) -> bool:
    return officer_of(user) is not None


class CaseworkApp(Application):
    title = "案件"
    icon = "folder_open"
    app_name = "cases"
    permission = staticmethod(is_officer)
    menu_template_name = None  # the site menu lists the application; its pages link to each other

    index_path = path("", views.CaseListView.as_view(), name="index")
    detail_path = path("<int:case_id>/", views.CaseDetailView.as_view(), name="detail")
    screening_import_path = path("import/", ScreeningImportView.as_view(), name="screening_import")
    screening_feedback_path = path("import/feedback.xlsx", feedback_export, name="screening_feedback")
    screening_job_path = path("import/<int:job_id>/", ScreeningJobView.as_view(), name="screening_job")
    screening_job_json_path = path("import/<int:job_id>/progress.json", screening_job_json, name="screening_job_json")
    hit_check_path = path("<int:case_id>/screening/<int:hit_id>/check/", HitCheckView.as_view(), name="hit_check")
    subject_add_path = path("<int:case_id>/subjects/add/", views.SubjectAddView.as_view(), name="subject_add")
    evidence_add_path = path("<int:case_id>/evidence/add/", views.EvidenceAddView.as_view(), name="evidence_add")
    decision_extension_path = path(
        "<int:case_id>/extend-decision/", views.DecisionExtensionView.as_view(), name="extend_decision"
    )
    payment_add_path = path("<int:case_id>/penalties/<int:penalty_id>/payments/add/", views.PaymentAddView.as_view(),
                            name="payment_add")
    source_reply_path = path("<int:case_id>/source-reply/", views.SourceReplyView.as_view(), name="source_reply")
    reporter_notice_path = path("<int:case_id>/reporter-notice/", views.ReporterNoticeView.as_view(), name="reporter_notice")
    evidence_download_path = path(
        "<int:case_id>/evidence/<int:evidence_id>/download/", views.evidence_download, name="evidence_download"
    )
