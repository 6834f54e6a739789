"""A page for a record that goes through steps after a case (a reward, a publication …): it shows the
record and the form of the one step the user may take next, and takes that step on POST.

The form carries the step it was drawn for: a page left open while someone else moved the record on
saves nothing and says so, rather than taking whatever step is due now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views import generic

from casework.forms import add_service_errors
from casework.permissions import get_case_or_404

STALE = "{record}的状态已经变化，本次提交未保存。请核对下方的当前状态后再办理。"


@dataclass(frozen=True)
class Step:
    form: type[forms.Form]
    button: str
    act: Callable  # (user, case, cleaned_data) -> the record
    confirm: str = ""  # asked before an irreversible step


class CaseStepView(generic.TemplateView):
    """Subclasses name the record (`record_name`), who may see it (`visible`, `refusal`), how to load it
    (`load`), the steps (`steps`) and which the user may take now (`open_steps`: the first is offered,
    another is chosen with `?step=`)."""

    record_name = ""
    refusal = ""
    steps: dict[str, Step] = {}

    def visible(self, user, case) -> bool:
        raise NotImplementedError

    def load(self, case):
        raise NotImplementedError

    def open_steps(self, user, case, record) -> list[str]:
        raise NotImplementedError

    def initial(self, step: str) -> dict:
        return {}

    def done_message(self, record) -> str:
        return f"{self.record_name}：{record.get_status_display()}。"

    def dispatch(self, request, *args, **kwargs):
        self.case = get_case_or_404(user=request.user, case_id=kwargs["case_id"])
        if not self.visible(request.user, self.case):
            raise PermissionDenied(self.refusal)
        self.record = self.load(self.case)
        self.open = self.open_steps(request.user, self.case, self.record)
        wanted = request.POST.get("step") if request.method == "POST" else request.GET.get("step")
        self.step = wanted if wanted in self.open else (self.open[0] if self.open else None)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.step is None:
            raise PermissionDenied(f"{self.record_name}当前没有您可以办理的步骤。")
        step = self.steps[self.step]
        form = step.form(request.POST)
        if request.POST.get("step") != self.step:  # not open any more (or never was)
            form.is_valid()
            form.add_error(None, STALE.format(record=self.record_name))
        elif form.is_valid():
            try:
                record = step.act(request.user, self.case, form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, self.done_message(record))
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None)
        step = self.steps.get(self.step) if self.step else None
        if step is not None and form is None:
            form = step.form(initial=self.initial(self.step))
        case_url = reverse("cases:detail", args=[self.case.pk])
        return super().get_context_data(
            case=self.case, record=self.record, step=self.step, form=form, submit_label=step.button if step else "",
            other_steps=[(name, self.steps[name].button) for name in self.open if name != self.step],
            confirm=step.confirm if step else "", page_title=self.record_name,
            crumbs=[("案件", reverse("cases:index")), (self.case.number, case_url)], **kwargs,
        )
