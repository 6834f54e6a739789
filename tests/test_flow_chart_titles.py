"""The flow charts' step titles fit their boxes: viewflow wraps at 20 characters, made for English
words; a Chinese title is broken by its measured width into even lines."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from demo.stories import SENT

pytestmark = pytest.mark.django_db

BOX, PADDING, FONT = 150, 10, 12


def chart_lines(client, url: str) -> list[str]:
    svg = client.get(url).content.decode()
    return re.findall(r'<text class="align-middle"[^>]*>([^<]*)</text>', svg)


def test_every_step_title_of_the_transfer_chart_fits_its_box(tell, login):
    case = tell(SENT)
    referral = case.referrals.get()
    officer = login("msb_officer")
    page = officer.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    chart = re.search(r'src="(/workflow/flows/transfer/\d+/chart/[^"]*)"', page).group(1).replace("&amp;", "&")
    lines = chart_lines(officer, chart)
    assert "决定是否复议或" in lines and "建议立案监督" in lines  # 「决定是否复议或建议立案监督」, in two even lines
    for line in lines:
        width = sum(FONT if not char.isascii() else FONT * 0.6 for char in line)
        assert width <= BOX - 2 * PADDING, f"「{line}」 is {width:.0f} px wide"
