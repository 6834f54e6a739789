"""Referral pages: what each side of the handoff sees."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import generic
from viewflow.workflow import STATUS

from casework.paper import paper_records_of
from casework.presenters import open_tasks_for, process_links
from casework.selectors import deadline_list_for_target
from casework.lists import SearchListView
from casework.forms import add_service_errors
from casework.permissions import can_edit_case, can_view_case, get_case_or_404
from agencies.models import AgencyKind
from agencies.selectors import agency_counterparts
from referral import forms, incoming, objections, selectors, services, tracking
from referral.documents import DOCX_CONTENT_TYPE
from referral.models import ReferralKind, ReferralStatus
from referral.permissions import (
    can_extend_review,
    get_document_or_404,
    get_package_item_or_404,
    get_referral_or_404,
)


def _file_sha256(field_file) -> str:
    digest = hashlib.sha256()
    with field_file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def referral_page(referral, title: str) -> dict:
    """The frame of a one-form page about a referral: its title, breadcrumbs and way back."""
    detail = reverse("referrals:detail", args=[referral.pk])
    return {"page_title": title, "crumbs": [("移送", reverse("referrals:index")), (referral.case_title, detail)], "cancel_url": detail}


class ReferralListView(SearchListView):
    template_name = "referral/referral_list.html"
    context_object_name = "referrals"
    statuses = ReferralStatus.choices

    def select(self, **filters):
        return selectors.referral_pages_for_user(**filters)

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_send_incoming=bool(incoming.incoming_kinds_for(self.request.user)), **kwargs)


class ReferralDetailView(generic.TemplateView):
    """The transfer package as both sides see it; the receiver's view checks every file against the manifest."""

    template_name = "referral/referral_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        referral = get_referral_or_404(user=user, referral_id=kwargs["referral_id"])
        items = list(referral.package_items.select_related("evidence"))
        verify = self.request.GET.get("verify") == "1"  # hashing every file is costly: only on request
        for item in items:
            item.verified = item.verified_ok  # as checked on receipt; ?verify=1 checks again now
            if verify:
                try:
                    item.verified = _file_sha256(item.evidence.file) == item.sha256
                except OSError:
                    item.verified = False
        process = getattr(referral, "process", None)
        return super().get_context_data(
            referral=referral,
            verified=verify,
            process=process,
            open_tasks=open_tasks_for(process, user),
            **process_links(process),
            subjects=referral.case.subjects.all() if referral.case_id else [],
            items=items,
            task_force=referral.task_force.select_related("officer"),
            documents=selectors.referral_documents(referral=referral),
            timeline=selectors.referral_timeline(referral=referral),
            paper_records=paper_records_of(process),
            deadlines=deadline_list_for_target(target=referral),
            forwards=referral.forwards.select_related("from_agency", "to_agency", "forwarded_by"),
            can_open_case=referral.case_id is not None and can_view_case(user, referral.case),
            can_extend_review=can_extend_review(user, referral),
            can_extend_assignment=incoming.can_extend_assignment(user, referral),
            can_propose_supervision=objections.can_propose_overdue_supervision(user, referral),
            can_stop_tracking=referral.kind != ReferralKind.CRIMINAL_TRANSFER and tracking.can_stop_tracking(user, referral),
            **kwargs,
        )


class ReviewExtensionView(generic.FormView):
    """The receiving police head extends the 3-day review (to 10 or 30 days, or 30 more)."""

    template_name = "lianban/form_page.html"
    form_class = forms.ReviewExtensionForm

    def dispatch(self, request, *args, **kwargs):
        self.referral = get_referral_or_404(user=request.user, referral_id=kwargs["referral_id"])
        if not can_extend_review(request.user, self.referral):
            raise PermissionDenied("只有接收机关负责人可以批准延长立案审查期限。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **referral_page(self.referral, "延长立案审查期限"), submit_label="批准延长",
            confirm="确认批准延长立案审查期限？移送机关将收到书面告知。", **kwargs,
        )

    def form_valid(self, form):
        try:
            deadline = services.transfer_extend_review(referral=self.referral, user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"立案审查期限已延长至 {timezone.localtime(deadline.due_at):%Y-%m-%d %H:%M}。")
        return redirect("referrals:detail", referral_id=self.referral.pk)


class AssignmentExtensionView(generic.FormView):
    """The bureau head extends a 交办: to 3 months, then — after collective study — to at most 6."""

    template_name = "lianban/form_page.html"
    form_class = forms.IncomingExtensionForm

    def dispatch(self, request, *args, **kwargs):
        self.referral = get_referral_or_404(user=request.user, referral_id=kwargs["referral_id"])
        if not incoming.can_extend_assignment(request.user, self.referral):
            raise PermissionDenied("只有承办单位负责人可以在办理期间批准延长交办期限。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **referral_page(self.referral, "延长交办线索办理期限"), submit_label="批准延长",
            confirm="确认批准延长办理期限？交办机关将收到延期告知。", **kwargs,
        )

    def form_valid(self, form):
        try:
            deadline = incoming.incoming_extend(referral=self.referral, user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"办理期限已延长至 {timezone.localtime(deadline.due_at):%Y-%m-%d}。")
        return redirect("referrals:detail", referral_id=self.referral.pk)


class ClueStartView(generic.FormView):
    """From the case page: open a clue referral to health, market regulation, discipline or the procuratorate."""

    template_name = "lianban/form_page.html"
    form_class = forms.ClueOpenForm

    def dispatch(self, request, *args, **kwargs):
        self.case = get_case_or_404(user=request.user, case_id=kwargs["case_id"])
        if not can_edit_case(request.user, self.case):
            raise PermissionDenied("只有承办机关的工作人员可以在办案期间移送线索。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        case_url = reverse("cases:detail", args=[self.case.pk])
        return super().get_context_data(
            page_title="移送其他机关", crumbs=[("案件", reverse("cases:index")), (self.case.number, case_url)],
            cancel_url=case_url, submit_label="下一步", **kwargs,
        )

    def form_valid(self, form):
        try:
            referral = tracking.clue_referral_start(case=self.case, kind=form.cleaned_data["kind"], user=self.request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        task = referral.process.task_set.get(flow_task_type="HUMAN", status=STATUS.ASSIGNED)
        return redirect(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))


class IncomingSendView(generic.FormView):
    """The police send back a case for administrative handling, or the procuratorate sends a 检察意见."""

    form_class = forms.IncomingSendForm

    def dispatch(self, request, *args, **kwargs):
        self.kinds = incoming.incoming_kinds_for(request.user)
        if not self.kinds:
            raise PermissionDenied("本机关没有可以向医疗保障部门移送的来文类型。")
        return super().dispatch(request, *args, **kwargs)

    template_name = "referral/incoming_send.html"

    def get_form_kwargs(self):
        withdrawable = incoming.withdrawable_transfers(user=self.request.user)
        return {**super().get_form_kwargs(), "kinds": self.kinds, "withdrawable": withdrawable if withdrawable.exists() else None}

    def get_initial(self):
        officer = self.request.user.officer
        same_level = agency_counterparts(agency=officer.agency, kind=AgencyKind.MSB).first()
        if same_level is None:  # a higher bureau hands down, the handling agency hands to its own bureau
            same_level = officer.agency.children.filter(kind=AgencyKind.MSB).first() or officer.agency.parent
        return {"to_agency": same_level, "contact_name": officer.display_name, "contact_phone": officer.phone,
                "incoming_issued_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title="向医疗保障部门移送", crumbs=[("移送", reverse("referrals:index"))], cancel_url=reverse("referrals:index"),
            submit_label="送达", confirm="确认送达？医疗保障部门将收到通知。", **kwargs,
        )

    def form_valid(self, form):
        try:
            referral = tracking.incoming_referral_start(user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{referral.get_kind_display()}已送达{referral.to_agency.name}。")
        return redirect("referrals:detail", referral_id=referral.pk)


class OverdueSupervisionView(generic.FormView):
    """The police let the review lapse: the bureau proposes 立案监督 to the procuratorate (310 Art. 17)."""

    template_name = "lianban/form_page.html"
    form_class = forms.OverdueSupervisionForm

    def dispatch(self, request, *args, **kwargs):
        self.referral = get_referral_or_404(user=request.user, referral_id=kwargs["referral_id"])
        if not objections.can_propose_overdue_supervision(request.user, self.referral):
            raise PermissionDenied("只有在公安机关逾期未作出立案决定时，移送机关才能据此建议立案监督。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **referral_page(self.referral, "建议人民检察院立案监督"), submit_label="提出建议",
            confirm="确认向人民检察院提出立案监督建议？将签发立案监督建议书。", **kwargs,
        )

    def form_valid(self, form):
        try:
            objections.overdue_supervision_propose(referral=self.referral, user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "立案监督建议书已送达人民检察院。")
        return redirect("referrals:detail", referral_id=self.referral.pk)


class StopTrackingView(generic.FormView):
    template_name = "lianban/form_page.html"
    form_class = forms.StopTrackingForm

    def dispatch(self, request, *args, **kwargs):
        self.referral = get_referral_or_404(user=request.user, referral_id=kwargs["referral_id"])
        if not tracking.can_stop_tracking(request.user, self.referral):
            raise PermissionDenied("只有移送机关的负责人可以决定不再跟踪。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **referral_page(self.referral, "不再跟踪"), submit_label="确定",
            confirm="确认不再跟踪本次移送？该移送的待办将撤销，不可恢复。", **kwargs,
        )

    def form_valid(self, form):
        try:
            tracking.clue_referral_stop_tracking(referral=self.referral, user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "已标记为不再跟踪。")
        return redirect("referrals:detail", referral_id=self.referral.pk)


def document_download(request, document_id: int):
    document = get_document_or_404(user=request.user, document_id=document_id)
    response = HttpResponse(bytes(document.content), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(document.filename)}"
    response["X-Content-SHA256"] = document.sha256
    return response


def package_item_download(request, referral_id: int, item_id: int):
    item = get_package_item_or_404(user=request.user, referral_id=referral_id, item_id=item_id)
    return FileResponse(item.evidence.file.open("rb"), as_attachment=True, filename=item.evidence.original_name)
