"""The statistics page and its .xlsx download. Parse the filter, call the statistics, render."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import generic

from agencies.scans import with_parallel_scans
from leadership import exports, statistics
from leadership.forms import StatisticsFilterForm
from leadership.permissions import can_read_discipline_counts, get_statistics_agency_or_403, statistics_regions

TEMPLATE = "leadership/statistics.html"


def _filter(request) -> StatisticsFilterForm:
    """The filter as submitted; on a first visit, this quarter in the bureau's own region."""
    agency = get_statistics_agency_or_403(request.user)
    regions = statistics_regions(agency)
    data = request.GET
    if not any(key in data for key in ("start", "end", "region")):
        start, end = statistics.quarter_bounds(timezone.localdate().year, statistics.quarter_of(timezone.localdate()))
        data = {"start": start.isoformat(), "end": end.isoformat(), "region": regions[0][0].code}
    return StatisticsFilterForm(data, regions=regions)


def _context(form: StatisticsFilterForm, report: statistics.Report | None) -> dict:
    region = form.data.get("region", "")
    quick = [
        (name, "?" + urlencode({"start": period.start.isoformat(), "end": period.end.isoformat(), "region": region}))
        for name, period in statistics.quick_periods(timezone.localdate())
    ]
    query = urlencode({key: form.data.get(key, "") for key in ("start", "end", "region")})
    return {
        "form": form, "report": report, "quick": quick,
        "export_url": f"{reverse('leadership:statistics_export')}?{query}",
        "groups": _grouped(report.quarterly) if report else [],
    }


def _grouped(figures: list[statistics.Figure]) -> list[tuple[str, list[tuple[str, list[statistics.Figure]]]]]:
    """[(group, [(label, figures of that label: e.g. 家 and 家次)])], in the table's order, for one row per label."""
    groups: list[tuple[str, list[tuple[str, list[statistics.Figure]]]]] = []
    for figure in figures:
        if not groups or groups[-1][0] != figure.group:
            groups.append((figure.group, []))
        rows = groups[-1][1]
        if not rows or rows[-1][0] != figure.label:
            rows.append((figure.label, []))
        rows[-1][1].append(figure)
    return groups


class StatisticsView(generic.View):
    @method_decorator(with_parallel_scans)
    def get(self, request):
        form = _filter(request)
        report = statistics.statistics_report(
            period=form.period, region=form.selected_region, discipline=can_read_discipline_counts(request.user),
        ) if form.is_valid() else None
        return render(request, TEMPLATE, _context(form, report))


@with_parallel_scans
def statistics_export(request):
    """The same figures as the page, as an .xlsx file; a bad filter shows the page with its errors."""
    form = _filter(request)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(form, None), status=400)
    report = statistics.statistics_report(
        period=form.period, region=form.selected_region, discipline=can_read_discipline_counts(request.user))
    response = HttpResponse(exports.statistics_workbook(report), content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(exports.export_filename(report))}"
    return response
