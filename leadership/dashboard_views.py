"""The leadership dashboard page: charts first, then the lists of what is late."""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views import generic

from agencies.scans import with_parallel_scans
from casework.presenters import process_links
from casework.selectors import case_list_for_user
from leadership import dashboard
from leadership.permissions import get_statistics_agency_or_403


@method_decorator(with_parallel_scans, name="dispatch")
class DashboardView(generic.TemplateView):
    template_name = "leadership/dashboard.html"

    def get_context_data(self, **kwargs):
        agency = get_statistics_agency_or_403(self.request.user)
        supervised = dashboard.supervised_by_level_and_status(agency)
        completion = dashboard.completion_rates(agency)
        steps = dashboard.days_per_step(agency)
        q = self.request.GET.get("case", "").strip()
        case = case_list_for_user(user=self.request.user, search=q).first() if q else None
        process = getattr(case, "process", None) if case else None
        return super().get_context_data(
            agency=agency,
            supervised=[(level, dashboard.scaled(bars)) for level, bars in supervised.items()],
            supervised_total=sum(bar.value for bars in supervised.values() for bar in bars),
            completion=dashboard.scaled([dashboard.Bar(c.agency.short_name, c.rate, f"{c.closed}/{c.registered} 件") for c in completion],
                                       top=100),  # a rate is drawn against 100%
            steps=dashboard.scaled(steps),
            overdue_clocks=dashboard.overdue_clocks(agency)[:20], overdue_clock_count=dashboard.overdue_clocks(agency).count(),
            overdue_resolutions=dashboard.overdue_resolutions(agency)[:20],
            case_query=q, chosen_case=case, case_not_found=bool(q) and case is None, **process_links(process), **kwargs,
        )
