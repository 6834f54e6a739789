"""典型案例曝光 pages: the bureau's register, one case's publication with the step the user may take,
and the public text as a .docx."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.views import generic

from agencies.permissions import officer_of
from casework.models import Case, CaseStatus
from casework.permissions import get_case_or_404
from casework.selectors import case_list_for_user
from casework.step_pages import CaseStepView, Step
from publication import forms, services
from publication.letter import build_typical_case
from publication.models import EDITABLE, PublicationStatus, TypicalCase
from publication.permissions import can_approve_publication, can_see_publication

PAGE_SIZE = 50
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def publication_open_steps(user, case: Case, publication: TypicalCase | None) -> list[str]:
    if publication is None:
        return ["propose"] if case.status == CaseStatus.CLOSED else []
    status = publication.status
    if status == PublicationStatus.PROPOSED and can_approve_publication(user, case) and publication.proposed_by_id != user.pk:
        return ["decide"]
    if status in EDITABLE:
        return ["propose"]
    if status == PublicationStatus.APPROVED:
        return ["publish"]
    if status == PublicationStatus.PUBLISHED:
        return ["withdraw"] if publication.decision_changed_on else ["changed", "withdraw"]
    return []


class PublicationCaseView(CaseStepView):
    template_name = "publication/publication_case.html"
    record_name = "典型案例曝光"
    refusal = "典型案例曝光只对承办案件的医疗保障局工作人员可见。"
    steps = {
        "propose": Step(forms.ProposeForm, "提交审批",
                        lambda user, case, data: services.publication_propose(user=user, case=case, **data)),
        "decide": Step(forms.DecideForm, "提交审批意见",
                       lambda user, case, data: services.publication_decide(user=user, case=case, **data),
                       confirm="审批意见提交后不能撤回，确定提交吗？"),
        "publish": Step(forms.PublishForm, "登记发布",
                        lambda user, case, data: services.publication_publish(user=user, case=case, **data)),
        "changed": Step(forms.DecisionChangedForm, "登记处罚决定变更或撤销",
                        lambda user, case, data: services.publication_decision_changed(user=user, case=case, **data),
                        confirm="登记后开始计算撤回期限（3个工作日）。确定吗？"),
        "withdraw": Step(forms.WithdrawForm, "撤回曝光",
                         lambda user, case, data: services.publication_withdraw(user=user, case=case, **data),
                         confirm="撤回后该典型案例不再公开，不能恢复。确定撤回吗？"),
    }
    visible = staticmethod(can_see_publication)
    open_steps = staticmethod(publication_open_steps)

    def load(self, case):
        return TypicalCase.objects.select_related("proposed_by", "decided_by").filter(case=case).first()

    def initial(self, step: str) -> dict:
        if step != "propose":
            return {}
        if self.record is not None:
            return {"headline": self.record.headline, "text": self.record.text}
        headline, text = services.draft(self.case)
        return {"headline": headline, "text": text}

    def get_context_data(self, **kwargs):
        return super().get_context_data(publication=self.record, **kwargs)


def publication_docx(request, case_id: int):
    """The public text as the bureau would publish it (for review while proposed, as published after)."""
    case = get_case_or_404(user=request.user, case_id=case_id)
    if not can_see_publication(request.user, case):
        raise PermissionDenied("典型案例曝光只对承办案件的医疗保障局工作人员可见。")
    publication = TypicalCase.objects.select_related("case__agency").filter(case=case).first()
    if publication is None:
        raise Http404("该案件没有拟曝光的典型案例。")
    response = HttpResponse(build_typical_case(publication), content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{case.number}-typical-case.docx"
    return response


class PublicationListView(generic.TemplateView):
    """The bureau's typical cases, newest first, by status."""

    template_name = "publication/publication_list.html"

    def get_context_data(self, **kwargs):
        officer = officer_of(self.request.user)
        show = self.request.GET.get("status", "")
        cases = case_list_for_user(user=self.request.user).filter(publication__isnull=False)
        cases = cases.filter(agency=officer.agency) if officer else cases.none()
        if show in PublicationStatus.values:
            cases = cases.filter(publication__status=show)
        page = Paginator(cases.select_related("publication"), PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, show=show, statuses=PublicationStatus.choices, **kwargs)
