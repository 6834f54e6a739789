from __future__ import annotations

from django.urls import reverse

from casework.workflow import TaskFormView
from meetings import forms, services


class SettleView(TaskFormView):
    form_class = forms.SettleForm
    summary_template = "meetings/_resolution_summary.html"
    success_text = "议定事项已办结。"

    @property
    def resolution(self):
        return self.process.resolution

    def get_context_data(self, **kwargs):
        return super().get_context_data(resolution=self.resolution, summary_template=self.summary_template, **kwargs)

    def perform(self, form):
        services.resolution_settle(resolution=self.resolution, user=self.request.user, **form.cleaned_data)

    def get_success_url(self) -> str:
        return reverse("meetings:resolution", args=[self.resolution.pk])
