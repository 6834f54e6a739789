"""Figures for the statistics page (domain §11): 家 (institutions) and 家次 (actions), by decision date and region."""

from __future__ import annotations

from datetime import date

import pytest

from agreements import services, statistics
from agreements.models import ActionKind
from agreements.statistics import Tally

from .conftest import days_ago, register_institution, suspend, terminate

pytestmark = pytest.mark.django_db


def interview(user, institution, on: date):
    return services.action_record(user=user, institution=institution, kind=ActionKind.INTERVIEW, decided_on=on, facts="约谈。")


def test_each_figure_counts_institutions_and_actions_in_the_period_and_region(fund, kangning, cz_fund):
    renhe = register_institution(fund, 2, name="镇江仁和医院有限公司", region="321102")
    changzhou = register_institution(cz_fund, 320, name="常州仁爱医院有限公司", region="320400")
    interview(fund, kangning, days_ago(50))
    interview(fund, kangning, days_ago(40))
    interview(fund, renhe, days_ago(30))
    interview(fund, renhe, days_ago(400))  # before the period
    interview(cz_fund, changzhou, days_ago(30))  # another city
    suspend(fund, kangning, decided_on=days_ago(20))
    terminate(fund, renhe, decided_on=days_ago(10))

    period = {"start": days_ago(100), "end": days_ago(1)}
    zhenjiang = {**period, "region_code": "321100"}
    assert statistics.institutions_interviewed(**zhenjiang) == Tally(institutions=2, actions=3)
    assert statistics.institutions_handled(**zhenjiang) == Tally(institutions=2, actions=5)
    assert statistics.agreements_suspended(**zhenjiang) == Tally(institutions=1, actions=1)
    assert statistics.agreements_terminated(**zhenjiang) == Tally(institutions=1, actions=1)

    assert statistics.institutions_interviewed(**period, region_code="321102") == Tally(institutions=1, actions=1)
    assert statistics.institutions_interviewed(**period, region_code="320000") == Tally(institutions=3, actions=4)
    assert statistics.institutions_handled(start=days_ago(15), end=days_ago(5), region_code="321100") == Tally(1, 1)
