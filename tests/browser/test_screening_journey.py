"""导入大数据筛查线索 in a real browser: from 案件 the officer uploads the province's list, reads the
preview, confirms, watches the import's progress page (the daphne process runs the job in a thread)
until it shows the leads registered, opens the institution's lead with its hits listed, and feeds one
hit back."""

from __future__ import annotations

import pytest

from casework.models import Case, HitVerdict, ScreeningHit, ScreeningImport
from tests.casework.test_screening_import import ROWS, csv_file

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_officer_previews_and_imports_a_screening_list(open_as, tmp_path):
    listing = tmp_path / "省局下发疑点清单.csv"
    listing.write_bytes(csv_file(ROWS).read())

    page = open_as("msb_officer")
    page.goto("/cases/")
    page.get_by_role("link", name="导入大数据筛查线索").click()
    page.wait_for_url("**/cases/import/")
    page.locator("input[name=upload]").set_input_files(str(listing))
    page.get_by_role("button", name="预览").click()
    expect(page.get_by_test_id("screening-summary")).to_contain_text("将登记线索 2 件，含疑点 3 条")
    expect(page.get_by_test_id("screening-groups")).to_contain_text("镇江福康大药房")

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="确认导入").click()
    page.wait_for_url("**/cases/import/*/")
    assert asked == ["确认登记 2 件线索（3 条疑点）？"]
    job = ScreeningImport.objects.get()
    expect(page.get_by_test_id("screening-result")).to_contain_text("已登记大数据筛查线索 2 件，导入疑点 3 条")  # the page reloaded itself
    assert page.url.endswith(f"/cases/import/{job.pk}/") and ScreeningImport.objects.get().done == 3

    page.get_by_test_id("screening-cases").get_by_role("link", name="镇江康泰医院大数据筛查疑点线索").click()
    expect(page.get_by_test_id("screening-hits")).to_contain_text("夜间无医嘱住院")
    assert Case.objects.filter(screening_hits__isnull=False).distinct().count() == 2

    # 逐条反馈: the first hit checked and found true, with the amount found
    page.locator("tr[data-hit=JS-XJZY-0001]").get_by_role("link", name="反馈").click()
    expect(page.get_by_test_id("form-intro")).to_contain_text("住院期间同日门诊刷卡")
    page.get_by_label("属实", exact=True).check()
    page.get_by_label("核实违规金额（元）").fill("3200.50")
    page.get_by_label("核查情况").fill("调取病历与门诊记录，住院期间门诊刷卡属实。")
    page.get_by_role("button", name="保存反馈").click()
    expect(page.locator("body")).to_contain_text("已反馈疑点 JS-XJZY-0001：属实。")
    expect(page.get_by_test_id("hit-rollup")).to_contain_text("已反馈 1 条（属实 1、部分属实 0、不属实 0），核实违规金额 3200.50 元")
    expect(page.get_by_test_id("hit-rollup")).to_contain_text("待核查 1 条")
    expect(page.locator("tr[data-hit=JS-XJZY-0001]")).to_contain_text("属实")
    assert ScreeningHit.objects.get(hit_id="JS-XJZY-0001").verdict == HitVerdict.CONFIRMED


def test_the_progress_page_follows_a_running_import_and_shows_its_result_when_it_ends(open_as, cast):
    """The job is queued here, not by the server (so no thread runs it): the page shows 0 / 3, then, run
    from this process, the page's poll of the JSON moves on by itself and shows what was registered."""
    from casework.screening import screening_preview
    from casework.screening_jobs import screening_job_create, screening_job_run

    officer = cast.user("msb_officer")
    content = csv_file(ROWS).read()
    job = screening_job_create(user=officer, name="省局下发疑点清单.csv",
                               preview=screening_preview(user=officer, name="省局下发疑点清单.csv", content=content))
    page = open_as("msb_officer")
    page.goto(f"/cases/import/{job.pk}/")
    expect(page.get_by_test_id("screening-progress")).to_contain_text("待导入：已处理 0 / 3 条")
    screening_job_run(job_id=job.pk)
    expect(page.get_by_test_id("screening-result")).to_contain_text("已登记大数据筛查线索 2 件，导入疑点 3 条")
    expect(page.get_by_test_id("screening-cases")).to_contain_text("镇江福康大药房大数据筛查疑点线索")
