"""One way of writing dates in every letter, record and message (GB/T 9704-2012 §7.3.5.4)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from agencies.dates import format_date, format_datetime_minute


def test_month_and_day_have_no_leading_zero():
    assert format_date(date(2026, 3, 4)) == "2026年3月4日"
    assert format_date(date(2026, 12, 14)) == "2026年12月14日"


def test_a_moment_is_dated_by_its_beijing_calendar_day():
    """16:30 UTC on 3 December is 00:30 on 4 December in Beijing."""
    late = datetime(2026, 12, 3, 16, 30, tzinfo=UTC)
    assert format_date(late) == "2026年12月4日"
    assert format_datetime_minute(late) == "2026年12月4日0时30分"


@pytest.mark.django_db
def test_the_investigation_report_dates_the_lead_as_the_transfer_letter_does(tell):
    """The 调查报告 used to write 「03月04日」 where the 移送书 writes 「3月4日」."""
    from demo.stories import SENT
    from referral.documents import investigation_report_for

    case = tell(SENT)
    case.registered_at = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    case.save(update_fields=["registered_at"])
    referral = case.referrals.get()

    report = investigation_report_for(referral, transfer_number="镇医保移〔2026〕9号")

    assert "于2026年3月4日登记" in report.source
