"""The case flow's task pages: parse the form, call one service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views import generic
from viewflow.workflow.flow import views as flow_views

from casework import forms, hand_intake, penalties, services
from casework.workflow import TaskFormView


class CaseTaskView(TaskFormView):
    summary_template = "casework/_case_summary.html"

    @property
    def case(self):
        return self.process.case

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.case, summary_template=self.summary_template, **kwargs)

    def get_success_url(self) -> str:
        return reverse("cases:detail", args=[self.case.pk])


class RegisterLeadView(flow_views.mixins.TaskViewTemplateNames, generic.FormView):
    """登记线索: the start of a case. The registering officer becomes the 承办人; a handoff entered
    from paper starts its source's clock too (casework.hand_intake)."""

    form_class = forms.RegisterLeadForm
    template_filename = "start.html"
    template_name = "lianban/start.html"

    def form_valid(self, form):
        try:
            case = hand_intake.lead_register(user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
            return self.form_invalid(form)
        activation = self.request.activation
        activation.process.case = case
        activation.execute()
        messages.success(self.request, f"线索已登记，编号 {case.number}。", fail_silently=True)
        return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]))


class VerifyLeadView(CaseTaskView):
    form_class = forms.VerifyLeadForm
    success_text = "核查意见已提交。"

    def perform(self, form):
        services.case_verify(case=self.case, user=self.request.user, **form.cleaned_data)


class FileCaseView(CaseTaskView):
    form_class = forms.FileCaseForm
    success_text = "立案审批已完成。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "case": self.case}

    def perform(self, form):
        services.case_file(case=self.case, user=self.request.user, **form.cleaned_data)


class InvestigateView(CaseTaskView):
    form_class = forms.InvestigationForm
    success_text = "调查终结报告已提交。"

    def get_initial(self):
        case = self.case
        return {"amount_involved": case.amount_involved, "violation_types": case.violation_types, "findings": case.findings}

    def perform(self, form):
        services.case_record_investigation(case=self.case, user=self.request.user, **form.cleaned_data)


class DecideView(CaseTaskView):
    form_class = forms.DecisionForm
    success_text = "处理决定已作出。"

    def get_initial(self):
        return {"handling": self.case.proposed_handling}

    def perform(self, form):
        services.case_decide(case=self.case, user=self.request.user, **form.cleaned_data)


class AdministrativeHandlingView(CaseTaskView):
    """行政处理: the outcome in words and each penalty decision (决定书) as a row of a table.

    Every row is checked before any is recorded, so each error shows on its own row."""

    form_class = forms.OutcomeForm
    template_name = "casework/outcome_task.html"
    success_text = "行政处理结果已登记，案件办结。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "case": self.case}

    def perform(self, form):
        data = dict(form.cleaned_data)
        failed = False
        for row in form.penalty_rows():
            try:
                penalties.penalty_prepare(case=self.case, user=self.request.user, **row.cleaned_data)
            except ValidationError as exc:
                forms.add_service_errors(row, exc)
                failed = True
        if failed:
            raise ValidationError("处罚决定有误，请按标出的提示修改后再提交。")
        services.case_record_outcome(case=self.case, user=self.request.user, **data)
