from django.contrib import admin
from django.urls import include, path
from django.shortcuts import redirect
from django.views.i18n import JavaScriptCatalog
from viewflow.urls import Application, Site

from agreements.viewsets import AgreementsApp
from casework.escalation import EscalationFlow
from casework.flows import CaseFlow
from casework.viewsets import CaseworkApp
from casework.workflow import ScopedFlowViewset, ScopedWorkflowAppViewset
from config import errors, health
from config.accounts import LianbanAuthViewset
from credit.viewsets import CreditApp
from inspections.viewsets import InspectionsApp
from leadership.viewsets import LeadershipApp
from meetings.flows import ResolutionFlow
from meetings.viewsets import MeetingsApp
from notifications import urls as notification_urls
from referral.clue_flow import ClueReferralFlow
from referral.flows import TransferFlow
from referral.incoming_flow import IncomingReferralFlow
from publication.viewsets import PublicationApp
from referral.viewsets import ReferralApp
from rewards.viewsets import RewardsApp
from search.viewsets import SearchApp
from supervision.flows import SupervisionFlow
from supervision.viewsets import SupervisionApp
from systems.viewsets import SystemsApp

class NotificationsApp(Application):
    title = "通知"
    icon = "notifications"
    app_name = "notifications"
    urlpatterns = notification_urls.urlpatterns
    menu_template_name = None


# 待办事项: every flow whose tasks reach an officer's inbox and queue (casework.tasklists lists them).
workflow = ScopedWorkflowAppViewset(
    title="待办事项",
    icon="assignment",
    flow_viewsets=[
        ScopedFlowViewset(CaseFlow, icon="folder"),
        ScopedFlowViewset(TransferFlow, icon="local_police"),
        ScopedFlowViewset(ClueReferralFlow, icon="forward_to_inbox"),
        ScopedFlowViewset(IncomingReferralFlow, icon="move_to_inbox"),
        ScopedFlowViewset(EscalationFlow, icon="alarm"),
        ScopedFlowViewset(SupervisionFlow, icon="flag"),
        ScopedFlowViewset(ResolutionFlow, icon="task_alt"),
    ],
)


site = Site(
    title="联办",
    primary_color="#b71c1c",
    secondary_color="#5d4037",
    viewsets=[
        workflow,
        SearchApp(),
        CaseworkApp(),
        ReferralApp(),
        SupervisionApp(),
        MeetingsApp(),
        AgreementsApp(),
        InspectionsApp(),
        RewardsApp(),
        PublicationApp(),
        CreditApp(),
        SystemsApp(),
        LeadershipApp(),
        NotificationsApp(),
    ],
)

handler403 = errors.permission_denied
auth = LianbanAuthViewset(with_profile_view=False)


def home(request):
    """`/`: 我的工作 for a signed-in user (the start page after login), the login form for a visitor."""
    if request.user.is_authenticated:
        return redirect("workflow:work")
    return auth.login_view(request)


urlpatterns = [
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),  # viewflow's JS strings in Chinese
    path("healthz", health.healthz, name="healthz"),
    path("api/", include(("config.api", "api"))),
    path("accounts/", auth.urls),
    path("admin/r/<path:content_type_id>/<path:object_id>/", admin.site.admin_view(errors.admin_shortcut, cacheable=True)),
    path("admin/", admin.site.urls),
    path("", home, name="home"),
    path("", site.urls),
]
