"""接入线索: the leads connected systems pushed to the user's bureau — signed for (registered as a
case, the signer its 承办人) or returned with a reason; the handled ones stay listed below."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import generic

from agencies.permissions import officer_of
from casework.models import CaseSource
from systems.models import LeadStatus, SubmittedLead
from systems.services import lead_accept, lead_return

PAGE_SIZE = 20


class LeadListView(generic.TemplateView):
    template_name = "systems/lead_list.html"

    def leads(self):
        return SubmittedLead.objects.filter(agency=officer_of(self.request.user).agency).select_related("system", "case", "handled_by")

    def get_context_data(self, **kwargs):
        show = self.request.GET.get("status", LeadStatus.PENDING)
        show = show if show in LeadStatus.values else LeadStatus.PENDING
        page = Paginator(self.leads().filter(status=show), PAGE_SIZE).get_page(self.request.GET.get("page"))
        sources = dict(CaseSource.choices)
        return super().get_context_data(
            page=page, show=show, statuses=LeadStatus.choices, pending=self.leads().filter(status=LeadStatus.PENDING).count(),
            rows=[(lead, sources.get(lead.payload.get("source"), "")) for lead in page.object_list], **kwargs)

    def post(self, request, *args, **kwargs):
        lead = get_object_or_404(self.leads(), pk=request.POST.get("lead") if str(request.POST.get("lead", "")).isdigit() else None)
        try:
            if request.POST.get("action") == "accept":
                case = lead_accept(user=request.user, lead=lead)
                messages.success(request, f"已签收登记为 {case.number}，您是承办人。")
                return redirect(reverse("cases:detail", args=[case.pk]))
            lead_return(user=request.user, lead=lead, reason=request.POST.get("reason", ""))
            messages.success(request, f"已退回：{lead.title}")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect(reverse("systems:index"))
