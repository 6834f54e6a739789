"""Inspection pages: the list, and the form that records one. Parse input, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import generic

from casework.forms import add_service_errors
from casework.lists import SearchListView
from inspections import forms, selectors, services
from inspections.models import InspectionKind
from inspections.permissions import inspecting_agency_of


class InspectionListView(SearchListView):
    """The inspections of the institutions the user may see, newest first; `?status=` is the 检查类型."""

    template_name = "inspections/inspection_list.html"
    context_object_name = "inspections"
    statuses = InspectionKind.choices

    def select(self, *, user, search: str, status: str):
        return selectors.inspection_pages_for_user(user=user, search=search, kind=status)

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_record=inspecting_agency_of(self.request.user) is not None, **kwargs)


class InspectionRecordView(generic.FormView):
    """登记检查; `?institution=<id>` preselects the institution (a link from the institution's page)."""

    template_name = "lianban/form_page.html"
    form_class = forms.InspectionForm

    def dispatch(self, request, *args, **kwargs):
        if inspecting_agency_of(request.user) is None:
            raise PermissionDenied("只有医疗保障局或经办机构的工作人员可以登记检查。")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"institution": self.request.GET.get("institution"), "inspected_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        index = reverse("inspections:index")
        return super().get_context_data(
            page_title="登记检查", crumbs=[("监督检查", index)], cancel_url=index, submit_label="登记", **kwargs
        )

    def form_valid(self, form):
        try:
            inspection = services.inspection_record(user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"已登记{inspection.get_kind_display()}：{inspection.institution.name}")
        return redirect("inspections:index")
