"""The 移送 application in the Material site."""

from __future__ import annotations

from django.urls import path
from viewflow.urls import Application

from casework.viewsets import is_officer
from referral import views


class ReferralApp(Application):
    title = "移送"
    icon = "send"
    app_name = "referrals"
    permission = staticmethod(is_officer)
    menu_template_name = None  # the site menu lists the application; its pages link to each other

    index_path = path("", views.ReferralListView.as_view(), name="index")
    detail_path = path("<int:referral_id>/", views.ReferralDetailView.as_view(), name="detail")
    incoming_send_path = path("incoming/new/", views.IncomingSendView.as_view(), name="incoming_send")
    clue_start_path = path("new/<int:case_id>/", views.ClueStartView.as_view(), name="clue_start")
    overdue_supervision_path = path(
        "<int:referral_id>/overdue-supervision/", views.OverdueSupervisionView.as_view(), name="overdue_supervision"
    )
    stop_tracking_path = path("<int:referral_id>/stop-tracking/", views.StopTrackingView.as_view(), name="stop_tracking")
    review_extension_path = path("<int:referral_id>/extend-review/", views.ReviewExtensionView.as_view(), name="extend_review")
    assignment_extension_path = path(
        "<int:referral_id>/extend-assignment/", views.AssignmentExtensionView.as_view(), name="extend_assignment"
    )
    item_download_path = path(
        "<int:referral_id>/package/<int:item_id>/download/", views.package_item_download, name="item_download"
    )
    document_download_path = path("documents/<int:document_id>/download/", views.document_download, name="document_download")
