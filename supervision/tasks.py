"""The supervision flow's task pages."""

from __future__ import annotations

from django.urls import reverse

from casework.workflow import TaskFormView
from supervision import forms, services


class SupervisionTaskView(TaskFormView):
    summary_template = "supervision/_summary.html"

    @property
    def supervision(self):
        return self.process.supervision

    def get_context_data(self, **kwargs):
        return super().get_context_data(supervision=self.supervision, summary_template=self.summary_template, **kwargs)

    def get_success_url(self) -> str:
        return reverse("supervision:detail", args=[self.supervision.pk])


class DesignateView(SupervisionTaskView):
    form_class = forms.DesignateForm
    success_text = "决定已作出。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "supervisor": self.supervision.supervisor}

    def perform(self, form):
        services.supervision_designate(supervision=self.supervision, user=self.request.user, **form.cleaned_data)


class SubmitPlanView(SupervisionTaskView):
    form_class = forms.PlanForm
    success_text = "查处方案已报送。"

    def perform(self, form):
        services.supervision_submit_plan(supervision=self.supervision, user=self.request.user, **form.cleaned_data)


class ReviewView(SupervisionTaskView):
    form_class = forms.ReviewForm
    success_text = "审核意见已送达承办单位。"

    def perform(self, form):
        services.supervision_review(supervision=self.supervision, user=self.request.user, **form.cleaned_data)
