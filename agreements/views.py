"""Agreement and practitioner pages. Parse input, call one service or selector, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import generic

from agreements import forms, practitioners, selectors, services
from agreements.models import HEARING_KINDS, AgreementStatus, Institution, PaymentStatus
from agreements.permissions import (
    can_handle_institution,
    can_receive_for_agency,
    get_action_or_404,
    get_institution_or_404,
    get_practitioner_or_404,
)
from casework.clocks import first_day_after
from casework.lists import SearchListView
from casework.forms import add_service_errors

INSTITUTIONS = ("定点医药机构", "agreements:index")
PRACTITIONERS_SHOWN = 50  # on an institution's page; a large hospital's staff is found by name in the list
PRACTITIONERS = ("医保支付资格", "agreements:practitioners")


def crumb(label: str, name: str, *args) -> tuple[str, str]:
    return label, reverse(name, args=args)


class ScopedListView(SearchListView):
    """The shared paginated, searchable list; the page also says whether the user may register."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_receive=can_receive_for_agency(self.request.user) is not None, **kwargs)


class ServiceFormView(generic.FormView):
    """A one-form page whose save() calls one service; a service's ValidationError shows on the form."""

    template_name = "lianban/form_page.html"
    page_title = ""
    submit_label = "保存"
    confirm = ""

    def crumbs(self) -> list[tuple[str, str]]:
        return [crumb(*INSTITUTIONS)]

    def get_context_data(self, **kwargs):
        crumbs = self.crumbs()
        return super().get_context_data(
            page_title=self.page_title, crumbs=crumbs, cancel_url=crumbs[-1][1], submit_label=self.submit_label,
            confirm=self.confirm, **kwargs,
        )

    def form_valid(self, form):
        try:
            return self.save(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)


# --- institutions -----------------------------------------------------------------------------------------


class InstitutionListView(ScopedListView):
    template_name = "agreements/institution_list.html"
    context_object_name = "institutions"
    statuses = AgreementStatus.choices

    def select(self, **filters):
        return selectors.institution_pages_for_user(**filters)


class InstitutionDetailView(generic.TemplateView):
    template_name = "agreements/institution_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        institution = get_institution_or_404(user=user, institution_id=kwargs["institution_id"])
        return super().get_context_data(
            institution=institution,
            actions=selectors.action_list_for_institution(institution=institution),
            practitioners=selectors.practitioners_of_institution(institution=institution, stop=PRACTITIONERS_SHOWN + 1),
            practitioners_shown=PRACTITIONERS_SHOWN,
            timeline=selectors.timeline(target=institution),
            can_handle=can_handle_institution(user, institution),
            **kwargs,
        )


class InstitutionRegisterView(ServiceFormView):
    form_class = forms.InstitutionForm
    page_title = "登记定点医药机构"

    def dispatch(self, request, *args, **kwargs):
        if can_receive_for_agency(request.user) is None:
            raise PermissionDenied("只有医疗保障经办机构的工作人员可以登记定点医药机构。")
        return super().dispatch(request, *args, **kwargs)

    def save(self, form):
        terminated = Institution.objects.filter(uscc=form.cleaned_data["uscc"], status=AgreementStatus.TERMINATED).exists()
        institution = services.institution_register(user=self.request.user, **form.cleaned_data)
        if terminated:  # the path back after the bar has run (services._redesignate)
            messages.success(self.request, f"已重新签订医保协议：{institution.name}（原协议解除后已满三年，沿用原登记记录）")
        else:
            messages.success(self.request, f"已登记定点医药机构：{institution.name}")
        return redirect("agreements:detail", institution_id=institution.pk)


class InstitutionFormView(ServiceFormView):
    """A form about one institution, for officers of the 经办机构 that holds its agreement."""

    def dispatch(self, request, *args, **kwargs):
        self.institution = get_institution_or_404(user=request.user, institution_id=kwargs["institution_id"])
        if not can_handle_institution(request.user, self.institution):
            raise PermissionDenied("只有签约经办机构的工作人员可以办理协议处理；医疗保障局可查阅。")
        return super().dispatch(request, *args, **kwargs)

    def crumbs(self):
        return [crumb(*INSTITUTIONS), crumb(self.institution.name, "agreements:detail", self.institution.pk)]

    def done(self):
        return redirect("agreements:detail", institution_id=self.institution.pk)


class ActionRecordView(InstitutionFormView):
    """登记协议处理. A 中止 or 解除 cannot be undone: it is shown on a confirmation page before it is recorded."""

    form_class = forms.ActionForm
    page_title = "登记协议处理"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"kind": self.request.GET.get("kind", ""), "decided_on": timezone.localdate()}

    def save(self, form):
        decision = dict(form.cleaned_data)
        confirmed = decision.pop("confirmed")
        if self.request.POST.get("edit"):  # 返回修改 on the confirmation page
            return self.render_to_response(self.get_context_data(form=form))
        if decision["kind"] in HEARING_KINDS and not confirmed:
            action = services.action_prepare(user=self.request.user, institution=self.institution, **decision)
            barred_until = first_day_after(action.decided_on, 12 * settings.LIANBAN_REAPPLICATION_BAR_YEARS)
            self.template_name = "agreements/action_confirm.html"
            return self.render_to_response(self.get_context_data(form=form, action=action, barred_until=barred_until))
        action = services.action_record(user=self.request.user, institution=self.institution, **decision)
        messages.success(self.request, f"已登记协议处理：{action.get_kind_display()}")
        return self.done()


class ResumeView(InstitutionFormView):
    form_class = forms.ResumeForm
    page_title = "恢复医保协议"
    submit_label = "恢复医保协议"
    confirm = "确认整改验收通过，恢复该机构医保协议？"

    def get_initial(self):
        return {"resumed_on": timezone.localdate()}

    def save(self, form):
        services.agreement_resume(user=self.request.user, institution=self.institution, **form.cleaned_data)
        messages.success(self.request, "医保协议已恢复。")
        return self.done()


class ActionConcludeView(InstitutionFormView):
    form_class = forms.ConcludeForm
    submit_label = "办结"

    def dispatch(self, request, *args, **kwargs):
        self.action = get_action_or_404(user=request.user, action_id=kwargs["action_id"])
        self.page_title = f"办结：{self.action.get_kind_display()}"
        return super().dispatch(request, *args, institution_id=self.action.institution_id)

    def get_initial(self):
        return {"concluded_on": timezone.localdate()}

    def save(self, form):
        action = services.action_conclude(user=self.request.user, action=self.action, **form.cleaned_data)
        messages.success(self.request, f"{action.get_kind_display()}已办结（{action.get_status_display()}）。")
        return self.done()


# --- designation applications -----------------------------------------------------------------------------


class ApplicationListView(ScopedListView):
    template_name = "agreements/application_list.html"
    context_object_name = "applications"

    def select(self, *, user, search: str, status: str):
        return selectors.application_pages_for_user(user=user, search=search)

    def get_context_data(self, **kwargs):
        return super().get_context_data(bar_years=settings.LIANBAN_REAPPLICATION_BAR_YEARS, **kwargs)


class ApplicationSubmitView(ServiceFormView):
    form_class = forms.ApplicationForm
    page_title = "受理定点申请"
    submit_label = "受理"

    def dispatch(self, request, *args, **kwargs):
        if can_receive_for_agency(request.user) is None:
            raise PermissionDenied("只有医疗保障经办机构的工作人员可以受理定点申请。")
        return super().dispatch(request, *args, **kwargs)

    def crumbs(self):
        return [crumb("定点申请", "agreements:applications")]

    def get_initial(self):
        return {"received_on": timezone.localdate()}

    def save(self, form):
        application = services.application_submit(user=self.request.user, **form.cleaned_data)
        messages.success(self.request, f"已受理定点申请：{application.name}")
        return redirect("agreements:applications")


# --- practitioners ----------------------------------------------------------------------------------------


class PractitionerListView(ScopedListView):
    template_name = "agreements/practitioner_list.html"
    context_object_name = "practitioners"
    statuses = PaymentStatus.choices

    def select(self, **filters):
        return selectors.practitioner_pages_for_user(**filters)


class PractitionerDetailView(generic.TemplateView):
    template_name = "agreements/practitioner_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        practitioner = get_practitioner_or_404(user=user, practitioner_id=kwargs["practitioner_id"])
        return super().get_context_data(
            practitioner=practitioner,
            p=practitioner,
            years=selectors.points_by_year(practitioner=practitioner),
            records=practitioner.point_records.select_related("institution", "recorded_by", "case"),
            timeline=selectors.timeline(target=practitioner),
            can_record=can_handle_institution(user, practitioner.institution),
            **kwargs,
        )


class PractitionerRegisterView(ServiceFormView):
    form_class = forms.PractitionerForm
    page_title = "人员登记备案"
    submit_label = "登记备案"

    def dispatch(self, request, *args, **kwargs):
        self.agency = can_receive_for_agency(request.user)
        if self.agency is None:
            raise PermissionDenied("只有医疗保障经办机构的工作人员可以办理人员登记备案。")
        return super().dispatch(request, *args, **kwargs)

    def crumbs(self):
        return [crumb(*PRACTITIONERS)]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "agency": self.agency}

    def save(self, form):
        practitioner = practitioners.practitioner_register(user=self.request.user, **form.cleaned_data)
        messages.success(self.request, f"{practitioner.name}已在{practitioner.institution.name}登记备案。")
        return redirect("agreements:practitioner", practitioner_id=practitioner.pk)


class PointsRecordView(ServiceFormView):
    form_class = forms.PointsForm
    page_title = "记分"
    submit_label = "记分"
    confirm = "确认记分？年度累计达到9分或12分的，将暂停或终止该人员的医保支付资格。"

    def dispatch(self, request, *args, **kwargs):
        self.practitioner = get_practitioner_or_404(user=request.user, practitioner_id=kwargs["practitioner_id"])
        if not can_handle_institution(request.user, self.practitioner.institution):
            raise PermissionDenied("只有该人员登记备案机构的签约经办机构可以记分。")
        return super().dispatch(request, *args, **kwargs)

    def crumbs(self):
        return [crumb(*PRACTITIONERS), crumb(self.practitioner.name, "agreements:practitioner", self.practitioner.pk)]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"event_date": timezone.localdate()}

    def save(self, form):
        practitioners.points_record(user=self.request.user, practitioner=self.practitioner, **form.cleaned_data)
        self.practitioner.refresh_from_db()
        status = self.practitioner.get_status_display()
        messages.success(self.request, f"已记分。{self.practitioner.name}的医保支付资格：{status}。")
        return redirect("agreements:practitioner", practitioner_id=self.practitioner.pk)
