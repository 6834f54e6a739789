"""The 挂牌督办 application in the Material site."""

from __future__ import annotations

from django.urls import path
from viewflow.urls import Application

from casework.viewsets import is_officer
from supervision import views


class SupervisionApp(Application):
    title = "挂牌督办"
    icon = "flag"
    app_name = "supervision"
    permission = staticmethod(is_officer)
    menu_template_name = None

    index_path = path("", views.SupervisionListView.as_view(), name="index")
    detail_path = path("<int:supervision_id>/", views.SupervisionDetailView.as_view(), name="detail")
    list_case_path = path("new/", views.ListCaseView.as_view(), name="list_case")
    propose_path = path("propose/<int:case_id>/", views.ProposeView.as_view(), name="propose")
    report_path = path("<int:supervision_id>/report/", views.ReportView.as_view(), name="report")
    urge_path = path("<int:supervision_id>/urge/", views.UrgeView.as_view(), name="urge")
    escalate_path = path("<int:supervision_id>/escalate/", views.EscalateView.as_view(), name="escalate")
    revoke_path = path("<int:supervision_id>/revoke/", views.RevokeView.as_view(), name="revoke")
    document_path = path(
        "<int:supervision_id>/documents/<int:document_id>/download/", views.document_download, name="document_download"
    )
