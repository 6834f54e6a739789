"""信用管理: the sanctions on record by subject, searchable, and their export for the credit platform."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.http import HttpResponse
from django.utils import timezone
from django.views import generic
from django.views.decorators.http import require_GET

from agencies.audit import audit_append
from agreements.permissions import agreement_agency_of
from credit.export import credit_workbook
from credit.records import Source, credit_entries, credit_page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Pages are read from the newest entry down, so a deep page costs every row above it: beyond this one
# the list asks to narrow the search (or to export).
MAX_PAGE = 100
PAGE_SIZE = 50


def _filters(request) -> tuple[str, str]:
    source = request.GET.get("source", "")
    return request.GET.get("q", "").strip()[:100], source if source in dict(Source.CHOICES) else ""


class CreditListView(generic.TemplateView):
    template_name = "credit/credit_list.html"

    def get_context_data(self, **kwargs):
        search, source = _filters(self.request)
        try:
            number = min(max(1, int(self.request.GET.get("page", "1"))), MAX_PAGE)
        except ValueError:
            number = 1
        rows, more = credit_page(user=self.request.user, search=search, source=source, number=number, size=PAGE_SIZE)
        query = urlencode({key: value for key, value in (("q", search), ("source", source)) if value})
        return super().get_context_data(
            rows=rows, more=more and number < MAX_PAGE, deepest=number == MAX_PAGE and more, number=number, q=search, source=source, sources=Source.CHOICES, query=query, **kwargs)


@require_GET  # a download; and the audit event it writes is no outsider's POST to make
def credit_export(request):
    """Every entry the user may see under the same filters; the export is audited (it carries ID numbers)."""
    search, source = _filters(request)
    agency = agreement_agency_of(request.user)
    content, count = credit_workbook(credit_entries(user=request.user, search=search, source=source), agency_name=agency.name)
    audit_append(actor=request.user, verb="credit.exported", target=agency, agency=agency, thread="security",
                 summary=f"导出信用信息 {count} 条" + (f"（检索“{search}”）" if search else ""), data={"count": count, "source": source})
    response = HttpResponse(content, content_type=XLSX)
    name = f"{agency.name}信用信息-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
