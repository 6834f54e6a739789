"""Joint-meeting pages: mechanisms and meetings for the member agencies; the office convenes, records
attendance and issues the 纪要; every agency sees the 议定事项 it leads and reports on them."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import generic

from agencies.models import AgencyKind
from agencies.permissions import ACT_FOR_AGENCY, APPROVE_CASE, ISSUE_DOCUMENTS, can_act_for, officer_of
from casework.forms import add_service_errors
from casework.presenters import open_tasks_for, process_links
from casework.lists import SearchListView
from meetings import forms, selectors, services
from meetings.flows import minutes_issue_and_track
from meetings.models import MeetingStatus
from referral.documents import DOCX_CONTENT_TYPE


def can_create_mechanism(user) -> bool:
    officer = officer_of(user)
    return officer is not None and officer.agency.kind == AgencyKind.MSB and user.has_perm(APPROVE_CASE, officer.agency)


class IndexView(SearchListView):
    template_name = "meetings/index.html"
    context_object_name = "meetings"
    statuses = MeetingStatus.choices

    def select(self, **filters):
        return selectors.meeting_pages_for_user(**filters)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            mechanisms=selectors.mechanism_list_for_user(user=user), items=selectors.open_items_of_agency(user=user),
            can_create=can_create_mechanism(user), **kwargs,
        )


class FormPage(generic.FormView):
    """A one-form page of this app: title, breadcrumbs, service call, messages."""

    template_name = "lianban/form_page.html"
    page_title = submit_label = confirm = ""

    def crumbs(self) -> list[tuple[str, str]]:
        return [("联席会议", reverse("meetings:index"))]

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=self.page_title, crumbs=self.crumbs(), cancel_url=self.crumbs()[-1][1],
                                        submit_label=self.submit_label, confirm=self.confirm, **kwargs)

    def perform(self, form):  # pragma: no cover - each page defines it
        raise NotImplementedError

    def form_valid(self, form):
        try:
            target = self.perform(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return redirect(target)


class MechanismCreateView(FormPage):
    form_class = forms.MechanismForm
    page_title, submit_label = "建立联席会议机制", "建立"

    def dispatch(self, request, *args, **kwargs):
        if not can_create_mechanism(request.user):
            raise PermissionDenied("只有医疗保障局负责人可以建立联席会议机制。")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lead": officer_of(self.request.user).agency}

    def perform(self, form):
        mechanism = services.mechanism_create(user=self.request.user, **form.cleaned_data)
        messages.success(self.request, f"已建立{mechanism.name}。")
        return reverse("meetings:mechanism", args=[mechanism.pk])


class MechanismDetailView(generic.TemplateView):
    template_name = "meetings/mechanism_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        mechanism = selectors.get_mechanism_or_404(user=user, mechanism_id=kwargs["mechanism_id"])
        return super().get_context_data(
            mechanism=mechanism, memberships=mechanism.memberships.select_related("agency", "liaison"),
            meetings=mechanism.meetings.all(), carried=services.carried_over(mechanism),
            can_convene=can_act_for(user, mechanism.office, ACT_FOR_AGENCY),
            timeline=selectors.mechanism_timeline(mechanism)[:50], **kwargs,
        )


class MeetingCreateView(FormPage):
    form_class = forms.MeetingForm
    page_title, submit_label = "召集会议", "发出会议通知"

    def dispatch(self, request, *args, **kwargs):
        self.mechanism = selectors.get_mechanism_or_404(user=request.user, mechanism_id=kwargs["mechanism_id"])
        if not can_act_for(request.user, self.mechanism.office, ACT_FOR_AGENCY):
            raise PermissionDenied("只有联席会议办公室的工作人员可以召集会议。")
        return super().dispatch(request, *args, **kwargs)

    def crumbs(self):
        return [*super().crumbs(), (self.mechanism.name, reverse("meetings:mechanism", args=[self.mechanism.pk]))]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "cases": services.agenda_cases(self.mechanism),
                "carried": services.carried_over(self.mechanism)}

    def perform(self, form):
        meeting = services.meeting_convene(mechanism=self.mechanism, user=self.request.user, **form.cleaned_data)
        messages.success(self.request, "会议通知已发给各成员单位联络员。")
        return reverse("meetings:meeting", args=[meeting.pk])


def meeting_permissions(user, meeting) -> dict[str, bool]:
    planned = meeting.status == MeetingStatus.PLANNED
    return {
        "can_record": planned and can_act_for(user, meeting.mechanism.office, ACT_FOR_AGENCY),
        "can_issue": planned and can_act_for(user, meeting.mechanism.office, ISSUE_DOCUMENTS),
    }


class MeetingDetailView(generic.TemplateView):
    template_name = "meetings/meeting_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        meeting = selectors.get_meeting_or_404(user=user, meeting_id=kwargs["meeting_id"])
        return super().get_context_data(
            meeting=meeting, agenda=meeting.agenda.select_related("case", "carried"),
            attendance=meeting.attendance.select_related("agency"),
            resolutions=meeting.resolutions.select_related("owner").prefetch_related("co_agencies"),
            **meeting_permissions(user, meeting), **kwargs,
        )


class MeetingFormsetPage(FormPage):
    """A meeting page with a form and a table of rows (attendance, or the 议定事项 of the 纪要)."""

    template_name = "meetings/formset_page.html"
    allowed_by = ""
    formset_class = None
    rows_title = ""

    def dispatch(self, request, *args, **kwargs):
        self.meeting = selectors.get_meeting_or_404(user=request.user, meeting_id=kwargs["meeting_id"])
        if not meeting_permissions(request.user, self.meeting)[self.allowed_by]:
            raise PermissionDenied("纪要印发后不能修改；只有联席会议办公室可以办理。")
        return super().dispatch(request, *args, **kwargs)

    def crumbs(self):
        return [*super().crumbs(), (self.meeting.title, reverse("meetings:meeting", args=[self.meeting.pk]))]

    def row_kwargs(self) -> dict:  # pragma: no cover - each page defines it
        raise NotImplementedError

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.rows = self.formset_class(self.request.POST or None, prefix="rows", form_kwargs=self.row_kwargs(),
                                       initial=self.initial_rows() or None)
        return form

    def initial_rows(self) -> list[dict]:
        return []

    def get_context_data(self, **kwargs):
        return super().get_context_data(rows_title=self.rows_title, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid() & form.rows.is_valid():
            return self.form_valid(form)
        return self.form_invalid(form)


class AttendanceView(MeetingFormsetPage):
    form_class = forms.forms.Form
    formset_class = forms.AttendanceFormSet
    allowed_by, page_title, submit_label, rows_title = "can_record", "登记出席情况", "保存", "出席、请假、列席人员"

    def row_kwargs(self):
        return {"region": self.meeting.mechanism.lead_agency.region_code}

    def initial_rows(self):
        return [{"agency": a.agency, "name": a.name, "post": a.post, "status": a.status} for a in self.meeting.attendance.all()]

    def perform(self, form):
        services.attendance_record(meeting=self.meeting, user=self.request.user, rows=forms.rows_of(form.rows))
        messages.success(self.request, "出席情况已保存。")
        return reverse("meetings:meeting", args=[self.meeting.pk])


class MinutesView(MeetingFormsetPage):
    form_class = forms.MinutesForm
    formset_class = forms.ResolutionFormSet
    allowed_by, page_title, submit_label, rows_title = "can_issue", "印发会议纪要", "印发纪要", "议定事项（牵头单位、配合单位、完成时限）"
    confirm = "确认印发纪要？纪要编号印发后不能修改，议定事项将分送各牵头单位落实。"

    def row_kwargs(self):
        return {"mechanism": self.meeting.mechanism, "cases": self.meeting.cases.all()}

    def perform(self, form):
        meeting = minutes_issue_and_track(meeting=self.meeting, user=self.request.user, resolutions=forms.rows_of(form.rows),
                                          **form.cleaned_data)
        messages.success(self.request, f"纪要（{meeting.issue_label}）已印发。")
        return reverse("meetings:meeting", args=[meeting.pk])


def minutes_download(request, meeting_id: int):
    meeting = selectors.get_meeting_or_404(user=request.user, meeting_id=meeting_id)
    if meeting.minutes is None:
        raise Http404("纪要尚未印发。")
    response = HttpResponse(bytes(meeting.minutes), content_type=DOCX_CONTENT_TYPE)
    filename = f"{meeting.mechanism.name}纪要（{meeting.issue_label}）.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class ResolutionDetailView(generic.TemplateView):
    template_name = "meetings/resolution_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        resolution = selectors.get_resolution_or_404(user=user, resolution_id=kwargs["resolution_id"])
        process = getattr(resolution, "process", None)
        officer = officer_of(user)
        parties = {resolution.owner_id, *resolution.co_agencies.values_list("pk", flat=True)}
        return super().get_context_data(
            resolution=resolution, updates=resolution.updates.select_related("agency", "posted_by"),
            process=process, open_tasks=open_tasks_for(process, user), **process_links(process),
            can_report=not resolution.is_settled and officer is not None and officer.agency_id in parties,
            progress_form=forms.ProgressForm(), **kwargs,
        )


class ResolutionProgressView(FormPage):
    form_class = forms.ProgressForm
    page_title, submit_label = "报送落实进展", "报送"

    def dispatch(self, request, *args, **kwargs):
        self.resolution = selectors.get_resolution_or_404(user=request.user, resolution_id=kwargs["resolution_id"])
        return super().dispatch(request, *args, **kwargs)

    def crumbs(self):
        return [*super().crumbs(), (str(self.resolution), reverse("meetings:resolution", args=[self.resolution.pk]))]

    def perform(self, form):
        services.resolution_progress(resolution=self.resolution, user=self.request.user, **form.cleaned_data)
        messages.success(self.request, "落实进展已报送。")
        return reverse("meetings:resolution", args=[self.resolution.pk])
