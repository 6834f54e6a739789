"""Case pages: list, detail, parties, evidence. Parse input, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import generic

from agencies.permissions import can_act_for
from casework import case_clocks, forms, selectors, services, source_reply
from casework.flows import CaseFlow
from casework.lists import SearchListView
from casework.models import CaseStatus, PaymentKind, PenaltyDecision
from casework.payments import anything_owed, balances, can_record_payments, payment_record
from casework.presenters import open_tasks_for, process_links
from casework.screening_feedback import can_feed_back_hits, hit_rollup
from casework.permissions import can_edit_case, get_case_or_404, get_evidence_or_404
from casework.source_clocks import REPLY_CLOCK
from casework.step_pages import CaseStepView, Step


class CaseListView(SearchListView):
    template_name = "casework/case_list.html"
    context_object_name = "cases"
    statuses = CaseStatus.choices

    def select(self, **filters):
        return selectors.case_pages_for_user(**filters)

    def get_context_data(self, **kwargs):
        register = CaseFlow.register
        return super().get_context_data(
            register_url=register.reverse("execute") if register.can_execute(self.request.user) else "", **kwargs
        )


SCREENING_HITS_SHOWN = 200  # a lead's 疑点清单 on its page; the rest are in the imported file


class CaseDetailView(generic.TemplateView):
    template_name = "casework/case_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        case = get_case_or_404(user=user, case_id=kwargs["case_id"])
        process = getattr(case, "process", None)
        # Only the referrals this user may see: a confidential (discipline) one is hidden even inside the bureau.
        referrals = list(selectors.referrals_visible_on_case(user=user, case=case).select_related("to_agency", "process"))
        open_tasks = open_tasks_for(process, user)
        for referral in referrals:  # the transfer's own steps (e.g. the head's approval) belong on the case page too
            open_tasks += open_tasks_for(getattr(referral, "process", None), user)
        deadlines = list(selectors.deadline_list_for_case(case=case))
        return super().get_context_data(
            case=case,
            process=process,
            open_tasks=open_tasks,
            **process_links(process),
            subjects=case.subjects.all(),
            penalties=[(penalty, owed, anything_owed(owed)) for penalty in case.penalties.select_related("subject").prefetch_related("payments")
                       for owed in [balances(penalty)]],
            can_record_payments=can_record_payments(user, case),
            evidence=case.evidence.select_related("uploaded_by"),
            **self.screening(case),
            referrals=referrals,
            documents=case.documents.filter(referral__in=[r.pk for r in referrals]).order_by("issued_at"),
            timeline=selectors.case_timeline(case=case),
            deadlines=deadlines,
            source_reply_clock=self.awaiting_reply(deadlines, case),
            can_edit=can_edit_case(user, case),
            can_extend_decision=case_clocks.can_extend_decision(user, case),
            **kwargs,
        )

    def awaiting_reply(self, deadlines, case):
        """The hand-started source clock still waiting for its paper reply, if this user may record it
        (casework.source_reply; read from the clocks already loaded for the page)."""
        target = (case._meta.label_lower, str(case.pk))
        clock = next((d for d in deadlines if d.code == REPLY_CLOCK and (d.target_type, d.target_id) == target), None)
        if clock is None or not source_reply.awaits_reply(clock):
            return None
        return clock if source_reply.can_record_source_reply(self.request.user, case) else None

    def screening(self, case) -> dict:
        """The lead's 疑点清单 with its 核查反馈 rolled up (casework.screening_feedback)."""
        hits = case.screening_hits.all()
        rollup = hit_rollup(hits)
        if not rollup.total:
            return {}
        return {"screening_hits": hits.select_related("checked_by")[:SCREENING_HITS_SHOWN], "hit_rollup": rollup,
                "can_check_hits": can_feed_back_hits(self.request.user, case)}


class CaseFormView(generic.FormView):
    """A form that records something on a case the user may see: by default, adds to an open case of
    the user's own agency. A subclass names who may use it (`allowed`, `refusal`) and what else of the
    case it works on (`load`)."""

    template_name = "lianban/form_page.html"
    form_title = ""
    refusal = "只有承办机关的工作人员可以在办案期间修改案件材料。"

    def allowed(self, user, case) -> bool:
        return can_edit_case(user, case)

    def load(self, **kwargs) -> None:
        """Fetch what the form is about beyond the case (404 when it is not the case's)."""

    def dispatch(self, request, *args, **kwargs):
        self.case = get_case_or_404(user=request.user, case_id=kwargs["case_id"])
        self.load(**kwargs)
        if not self.allowed(request.user, self.case):
            raise PermissionDenied(self.refusal)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        case_url = reverse("cases:detail", args=[self.case.pk])
        return super().get_context_data(
            case=self.case, page_title=self.form_title, crumbs=[("案件", reverse("cases:index")), (self.case.number, case_url)],
            cancel_url=case_url, **kwargs,
        )

    def form_valid(self, form):
        try:
            self.save(form)
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
            return self.form_invalid(form)
        return redirect(self.done_url())

    def done_url(self) -> str:
        return reverse("cases:detail", args=[self.case.pk])


class SubjectAddView(CaseFormView):
    form_class = forms.SubjectForm
    form_title = "添加当事人"

    def save(self, form):
        subject = services.subject_add(case=self.case, user=self.request.user, **form.cleaned_data)
        messages.success(self.request, f"已添加当事人：{subject.name}")


class EvidenceAddView(CaseFormView):
    form_class = forms.EvidenceForm
    form_title = "上传证据"

    def save(self, form):
        evidence = services.evidence_add(case=self.case, user=self.request.user, **form.cleaned_data)
        messages.success(self.request, f"已上传证据：{evidence.title}（SHA-256 {evidence.sha256[:16]}…）")


class PaymentAddView(CaseFormView):
    """登记到账: a payment against one penalty decision of the case, also after the case closed."""

    form_class = forms.PaymentForm
    form_title = "登记追回到账"
    refusal = "只有作出处罚决定的医疗保障局的工作人员可以登记到账。"
    allowed = staticmethod(can_record_payments)

    def load(self, *, penalty_id, **kwargs):
        self.decision = get_object_or_404(PenaltyDecision.objects.select_related("subject"), pk=penalty_id, case=self.case)

    def get_initial(self):
        owed = {kind: balance.owed for kind, balance in balances(self.decision).items()}
        kind = next((kind for kind, left in owed.items() if left), None)
        return {"kind": kind, "amount": owed.get(kind), "paid_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        decision = self.decision
        owed = "；".join(f"{PaymentKind(kind).label}应缴 {b.ordered} 元，已到账 {b.paid} 元" for kind, b in balances(decision).items())
        return super().get_context_data(intro=f"{decision.document_number}（{decision.decided_on:%Y-%m-%d}），{decision.subject.name}：{owed}。",
                                        submit_label="登记到账", **kwargs)

    def save(self, form):
        payment = payment_record(user=self.request.user, decision=self.decision, **form.cleaned_data)
        messages.success(self.request, f"已登记{payment.get_kind_display()}到账 {payment.amount} 元。")


class ReporterNoticeView(CaseFormView):
    """告知实名举报人: recorded by an officer of the bureau, also after a lead was closed unfiled."""

    form_class = forms.ReporterNoticeForm
    form_title = "告知实名举报人"
    refusal = "只有承办机关的工作人员可以登记告知情况。"

    def allowed(self, user, case) -> bool:
        return can_act_for(user, case.agency)

    def get_initial(self):
        return {"notified_at": timezone.localtime().replace(second=0, microsecond=0)}

    def save(self, form):
        services.case_notify_reporter(case=self.case, user=self.request.user, **form.cleaned_data)
        messages.success(self.request, "已登记告知实名举报人。")


class DecisionExtensionView(CaseFormView):
    """The head extends the 90-day decision limit: 30 days, then at most 60 after collective discussion."""

    form_class = forms.DecisionExtensionForm
    form_title = "延长办案期限"
    refusal = "只有承办机关负责人可以在办案期限内批准延长。"
    allowed = staticmethod(case_clocks.can_extend_decision)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            submit_label="批准延长", confirm="确认批准延长办案期限？延长记录将写入案件期限和审计日志，不能撤回。", **kwargs
        )

    def save(self, form):
        deadline = case_clocks.decision_extend(case=self.case, user=self.request.user, **form.cleaned_data)
        messages.success(self.request, f"办案期限已延长至 {timezone.localtime(deadline.due_at):%Y-%m-%d}。")


class SourceReplyView(CaseStepView):
    """登记书面答复 to a handoff entered by hand: meets its source's clock (casework.source_reply)."""

    template_name = "casework/source_reply.html"
    record_name = "书面答复"
    refusal = "只有承办机关的工作人员可以登记书面答复。"
    steps = {
        "reply": Step(
            forms.SourceReplyForm, "登记书面答复",
            lambda user, case, data: source_reply.source_reply_record(user=user, case=case, **data),
            confirm="登记后该法定期限即告办结，不能撤回或修改。请核对答复日期和文号，确定登记吗？",
        ),
        "extend": Step(
            forms.SourceExtensionForm, "批准延长",
            lambda user, case, data: source_reply.source_clock_extend(user=user, case=case, **data),
            confirm="确认批准延长交办期限？延长记录将写入期限和审计日志，不能撤回。",
        ),
    }
    visible = staticmethod(source_reply.can_record_source_reply)

    def load(self, case):
        clock = source_reply.hand_started_clock(case)
        if clock is None:
            raise Http404("本案不是据纸质来文登记的移送线索，没有需要登记的书面答复。")
        return clock

    def open_steps(self, user, case, record) -> list[str]:
        if not source_reply.awaits_reply(record):
            return []
        return ["reply", "extend"] if source_reply.can_extend_source_clock(user, case, record) else ["reply"]

    def done_message(self, record) -> str:
        if record.met_at is None:
            return f"{record.title}期限已延长至 {timezone.localtime(record.due_at):%Y-%m-%d}。"
        late = "超期" if record.met_at > record.due_at else "按期"
        return f"已登记书面答复：{record.title}{late}办结。"

    def post(self, request, *args, **kwargs):
        """A reply posted after the clock was met (a second tab, a colleague): say so, save nothing."""
        if self.step is None and request.POST.get("step") in self.steps:
            form = self.steps[request.POST["step"]].form(request.POST)
            form.is_valid()
            form.add_error(None, source_reply.already_replied(self.record))
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(clock=self.record, **kwargs)


def evidence_download(request, case_id: int, evidence_id: int):
    evidence = get_evidence_or_404(user=request.user, case_id=case_id, evidence_id=evidence_id)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name)
