"""The flow chart in a real browser: whole at first, then zoomed until its labels are legible and
moved by dragging, with its colours explained."""

from __future__ import annotations

import pytest
from django.urls import reverse

from demo.stories import SENT

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_case_chart_zooms_and_moves(open_as, tell):
    case = tell(SENT)
    page = open_as("msb_officer")
    page.goto(reverse("cases:detail", args=[case.pk]))
    chart = page.locator("[data-lb-chart]")
    image, viewport = chart.get_by_test_id("flow-chart"), chart.locator("[data-lb-chart-viewport]")
    expect(image).to_be_visible()
    expect(chart).to_contain_text("已办结")
    expect(chart).to_contain_text("当前环节")
    fit = viewport.evaluate("v => v.clientWidth")
    assert abs(image.evaluate("i => i.clientWidth") - fit) <= 2  # the whole chart at first

    chart.get_by_role("button", name="放大流程图").click()
    chart.get_by_role("button", name="放大流程图").click()
    expect(chart.locator("[data-lb-chart-scale]")).to_have_text("200%")
    assert image.evaluate("i => i.clientWidth") >= 2 * fit - 2

    start = viewport.evaluate("v => v.scrollLeft")
    box = viewport.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 200, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    assert viewport.evaluate("v => v.scrollLeft") > start  # dragged to the right part of the chart

    chart.get_by_role("button", name="适应宽度").click()
    expect(chart.locator("[data-lb-chart-scale]")).to_have_text("100%")
    assert abs(image.evaluate("i => i.clientWidth") - fit) <= 2
