"""Supervision pages: the list both levels share, the supervision page (what the supervisor reads of
the case), and the side actions — report, 催办, escalate, revoke."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import generic

from agencies.permissions import ACT_FOR_AGENCY, APPROVE_CASE, can_act_for
from casework.forms import add_service_errors
from casework.permissions import can_edit_case, get_case_or_404
from casework.presenters import open_tasks_for, process_links
from casework.lists import SearchListView
from referral.documents import DOCX_CONTENT_TYPE
from supervision import forms, selectors, services
from supervision.flows import supervision_open
from supervision.models import SupervisionStatus


class SupervisionListView(SearchListView):
    template_name = "supervision/supervision_list.html"
    context_object_name = "supervisions"
    statuses = SupervisionStatus.choices

    def select(self, **filters):
        return selectors.supervision_pages_for_user(**filters)

    def get_context_data(self, **kwargs):
        can_list = services.cases_open_to_listing(user=self.request.user).exists()
        return super().get_context_data(can_list=can_list, **kwargs)


def permissions_on(user, supervision) -> dict[str, bool]:
    """Which side actions the page offers the user."""
    active = supervision.status == SupervisionStatus.ACTIVE
    head = user.has_perm(APPROVE_CASE, supervision.supervisor)
    return {
        "can_report": active and can_act_for(user, supervision.case.agency, ACT_FOR_AGENCY),
        "can_urge": active and can_act_for(user, supervision.supervisor, ACT_FOR_AGENCY),
        "can_escalate": active and head and services.next_ladder_step(supervision) is not None
        and services.overdue_clocks(supervision).exists(),
        "can_revoke": active and head and supervision.plan_submitted_at is not None,
    }


class SupervisionDetailView(generic.TemplateView):
    template_name = "supervision/supervision_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        supervision = selectors.get_supervision_or_404(user=user, supervision_id=kwargs["supervision_id"])
        process = getattr(supervision, "process", None)
        return super().get_context_data(
            supervision=supervision, case=supervision.case, process=process,
            open_tasks=open_tasks_for(process, user), **process_links(process),
            subjects=supervision.case.subjects.all(),
            referrals=selectors.supervised_referrals(supervision),
            deadlines=selectors.supervised_clocks(supervision),
            reports=supervision.reports.select_related("document", "submitted_by", "reviewed_by"),
            actions=supervision.actions.select_related("taken_by"),
            timeline=selectors.supervision_timeline(supervision),
            next_step=services.next_ladder_step(supervision),
            **permissions_on(user, supervision), **kwargs,
        )


class ProposeView(generic.FormView):
    """From the case page (报请, the handling unit) or from the supervision list (a higher bureau lists a case)."""

    template_name = "lianban/form_page.html"
    form_class = forms.ProposeForm

    def dispatch(self, request, *args, **kwargs):
        case_id = kwargs["case_id"]
        listable = services.cases_open_to_listing(user=request.user).filter(pk=case_id).first()
        if listable is not None:
            self.case = listable
        else:
            self.case = get_case_or_404(user=request.user, case_id=case_id)
            if not can_edit_case(request.user, self.case):
                raise PermissionDenied("只有承办单位的工作人员可以报请挂牌督办。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="提出挂牌督办", crumbs=[("挂牌督办", reverse("supervision:index")), (self.case.title, "")],
            cancel_url=reverse("supervision:index"), submit_label="提交", **kwargs,
        )

    def form_valid(self, form):
        try:
            supervision = supervision_open(case=self.case, user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"已报{supervision.supervisor.name}决定是否挂牌督办。")
        return redirect("supervision:detail", supervision_id=supervision.pk)


class ListCaseView(generic.TemplateView):
    """A higher bureau picks a case of a bureau below it to list."""

    template_name = "supervision/list_case.html"

    def get_context_data(self, **kwargs):
        q = self.request.GET.get("q", "").strip()
        cases = services.cases_open_to_listing(user=self.request.user).select_related("agency")
        if q:
            cases = cases.filter(number__icontains=q) | cases.filter(title__icontains=q)
        return super().get_context_data(cases=cases.order_by("-registered_at")[:50], q=q, **kwargs)


class SupervisionActionView(generic.FormView):
    """A side action on an active supervision: one form, one service call, back to the page."""

    template_name = "lianban/form_page.html"
    form_class = forms.ReasonForm
    allowed_by = ""  # key of permissions_on
    page_title = submit_label = confirm = success = ""

    def dispatch(self, request, *args, **kwargs):
        self.supervision = selectors.get_supervision_or_404(user=request.user, supervision_id=kwargs["supervision_id"])
        if not permissions_on(request.user, self.supervision)[self.allowed_by]:
            raise PermissionDenied("您不能办理该事项。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        detail = reverse("supervision:detail", args=[self.supervision.pk])
        return super().get_context_data(
            page_title=self.page_title, crumbs=[("挂牌督办", reverse("supervision:index")), (self.supervision.case.title, detail)],
            cancel_url=detail, submit_label=self.submit_label, confirm=self.confirm, **kwargs,
        )

    def perform(self, form):  # pragma: no cover - each action defines it
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.perform(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success)
        return redirect("supervision:detail", supervision_id=self.supervision.pk)


class ReportView(SupervisionActionView):
    form_class = forms.ReportForm
    allowed_by, page_title, submit_label = "can_report", "报送督办报告", "报送"
    confirm, success = "确认报送？报告将编号印发，报送后不能修改。", "报告已报送督办机关。"

    def perform(self, form):
        services.supervision_report(supervision=self.supervision, user=self.request.user, **form.cleaned_data)


class UrgeView(SupervisionActionView):
    allowed_by, page_title, submit_label, success = "can_urge", "催办", "催办", "已催办。"

    def perform(self, form):
        services.supervision_urge(supervision=self.supervision, user=self.request.user, **form.cleaned_data)


class EscalateView(SupervisionActionView):
    allowed_by, submit_label, success = "can_escalate", "确定", "督办措施已升级。"

    @property
    def page_title(self):
        return f"升级督办措施：{services.next_ladder_step(self.supervision)}"

    @property
    def confirm(self):
        return f"确认对承办单位采取“{services.next_ladder_step(self.supervision)}”措施？"

    def perform(self, form):
        services.supervision_escalate(supervision=self.supervision, user=self.request.user, **form.cleaned_data)


class RevokeView(SupervisionActionView):
    allowed_by, page_title, submit_label = "can_revoke", "撤销督办", "撤销督办"
    confirm, success = "确认撤销挂牌督办？撤销后不能恢复，承办单位将收到通知。", "已撤销督办。"

    def perform(self, form):
        services.supervision_revoke(supervision=self.supervision, user=self.request.user, **form.cleaned_data)


def document_download(request, supervision_id: int, document_id: int):
    supervision = selectors.get_supervision_or_404(user=request.user, supervision_id=supervision_id)
    ids = {supervision.notice_id, *supervision.reports.values_list("document_id", flat=True)} - {None}
    if document_id not in ids:
        raise Http404("该文书不属于本督办事项。")
    document = supervision.case.documents.get(pk=document_id)
    response = HttpResponse(bytes(document.content), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(document.filename)}"
    return response
