"""The lists' cell filters (agencies/templatetags/lianban.py) write what Django's own tags write."""

from __future__ import annotations

from datetime import datetime, timezone as dt_timezone

import pytest
from django.template import Context, Template
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import timezone

from casework.models import Case, CaseSource, CaseStatus
from referral.models import Referral, ReferralKind, ReferralStatus


def render(source: str, **context) -> str:
    return Template("{% load lianban %}" + source).render(Context(context))


@pytest.mark.parametrize("model, field, choices", [
    (Case, "status", CaseStatus), (Case, "source", CaseSource), (Referral, "kind", ReferralKind), (Referral, "status", ReferralStatus),
])
def test_display_is_djangos_get_display_for_every_choice_and_for_a_value_without_one(model, field, choices):
    for value in [*choices.values, "no-such-value", ""]:
        row = model(**{field: value})
        assert render(f'{{{{ row|display:"{field}" }}}}', row=row) == render(f"{{{{ row.get_{field}_display }}}}", row=row)


@pytest.mark.parametrize("moment", [
    datetime(2026, 12, 31, 16, 5, tzinfo=dt_timezone.utc),  # 2027-01-01 00:05 in Beijing: the day and the year turn
    datetime(2026, 3, 1, 3, 59, 59, tzinfo=dt_timezone.utc),
    None,
])
def test_minute_is_djangos_date_filter_in_the_current_time_zone(moment):
    for zone in ("Asia/Shanghai", "UTC"):
        with timezone.override(zone):
            ours = render('{{ moment|minute|default:"—" }}', moment=moment)
            assert ours == render('{{ moment|date:"Y-m-d H:i"|default:"—" }}', moment=moment)
    if moment is not None:
        with timezone.override("Asia/Shanghai"):
            assert render("{{ moment|minute }}", moment=datetime(2026, 12, 31, 16, 5, tzinfo=dt_timezone.utc)) == "2027-01-01 00:05"


@pytest.mark.parametrize("viewname", ["cases:detail", "referrals:detail"])
def test_row_url_is_the_address_django_reverses_under_any_script_prefix(viewname):
    for pk in (1, 42, 9_876_543_210):
        assert render(f'{{{{ pk|row_url:"{viewname}" }}}}', pk=pk) == reverse(viewname, args=[pk])
    set_script_prefix("/lianban/")
    try:
        assert render(f'{{{{ 7|row_url:"{viewname}" }}}}') == reverse(viewname, args=[7])
        assert render(f'{{{{ 7|row_url:"{viewname}" }}}}').startswith("/lianban/")
    finally:
        clear_script_prefix()
