"""登记书面答复 in a real browser: a reverse transfer entered from the police's paper letter runs its
reply clock; from the case page the officer records the paper reply's date and 文号, confirms, and
the clock shows as met on that day."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from agencies import recording
from casework import hand_intake
from casework.models import CaseSource, Deadline, DeadlineStatus
from casework.source_clocks import REPLY_CLOCK

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_officer_records_the_paper_reply_from_the_case_page(cast, open_as):
    with recording.as_of(timezone.make_aware(datetime(2026, 9, 28, 10, 0))):
        case = hand_intake.lead_register(
            user=cast.user("msb_officer"), source=CaseSource.POLICE, title="康乐医院涉嫌骗取医保基金案",
            summary="公安机关反向移送：不构成犯罪，需行政处理。", amount_involved=Decimal("12000"),
            incoming_number="镇公（经）反移字〔2026〕4号", incoming_issued_on=date(2026, 9, 23),
            incoming_received_on=date(2026, 9, 25),
        )
    page = open_as("msb_officer")
    page.goto(f"/cases/{case.pk}/")
    page.get_by_test_id("source-reply").click()
    page.wait_for_url(f"**/cases/{case.pk}/source-reply/")
    expect(page.get_by_test_id("clock-status")).to_contain_text("计时中")
    page.locator("input[name=replied_on]").fill("2026-10-20")
    page.locator("input[name=reply_number]").fill("镇医保函〔2026〕31号")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="登记书面答复").click()
    expect(page.get_by_test_id("clock-status")).to_contain_text("已按期办结")
    expect(page.get_by_test_id("clock-met")).to_contain_text("2026-10-20，按期")
    assert asked == ["登记后该法定期限即告办结，不能撤回或修改。请核对答复日期和文号，确定登记吗？"]
    clock = Deadline.objects.about(case).get(code=REPLY_CLOCK)
    assert clock.status == DeadlineStatus.MET and timezone.localtime(clock.met_at).date() == date(2026, 10, 20)
