"""Screenshots of the demo for docs/screenshots/, taken with Playwright driving Debian's chromium.

Run it against a server that holds the demo data (`python manage.py demo`), for example:

    LIANBAN_VAR_DIR=/tmp/lb-shots LIANBAN_DEBUG=1 .venv/bin/python manage.py migrate
    LIANBAN_VAR_DIR=/tmp/lb-shots LIANBAN_DEBUG=1 .venv/bin/python manage.py demo
    LIANBAN_VAR_DIR=/tmp/lb-shots LIANBAN_DEBUG=1 .venv/bin/daphne -p 8010 config.asgi:application
    .venv/bin/python scripts/screenshots.py --base-url http://127.0.0.1:8010

Every user signs in through the login form with the demo password. The head really approves the
demo's 康宁医院 transfer (the approval form and the police officer's live toast are taken along the
way), so those two shots need fresh demo data; on a second run they are skipped with a warning.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 900}
PASSWORD = "lianban-demo"
PENDING_CASE = "康宁医院涉嫌虚构医药服务骗取医保基金案"  # demo stage: waiting for the head's approval
RECEIPTED_CASE = "博爱医院挂床住院骗保案"  # demo stage: letter sent, receipt signed, police filed
APPROVAL_TASK = "负责人审批移送"
MEETING = "2026年第四季度联席会议"  # demo: the joint meeting whose 纪要 was issued
SUSPENDED_INSTITUTION = "镇江博爱医院有限公司"  # demo: its agreement is 中止
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

# file name → one line for README.md
SHOTS = {
    "01-msb-officer-inbox.png": "医保局承办人（王立新，msb_officer）的待办事项（inbox）。",
    "02-case-list.png": "案件列表（msb_officer 所见）。",
    "03-case-detail-flow-chart.png": f"案件页：{PENDING_CASE}，含当事人、证据、办理记录和高亮当前环节的流程图（整页）。",
    "04-head-approval-form.png": "医保局局长（周明，msb_head）认领后的“负责人审批移送”表单，右侧为移送材料摘要。",
    "05-psb-toast.png": "公安经侦民警（刘强，psb_officer）打开着的移送列表页：局长批准后即时弹出“收到移送案件”通知，页面未刷新。",
    "06-psb-referral-letter-receipt.png": f"公安民警所见的移送页：{RECEIPTED_CASE}，含移送书文号、签收回执和立案决定（整页）。",
    "07-notifications.png": "公安民警的通知列表。",
    "08-leadership-dashboard.png": "医保局领导（赵华，msb_leader）的领导看板：挂牌督办、办结率、各环节用时的图表，超期期限和逾期议定事项（整页）。",
    "09-supervision.png": f"省医保局局长（顾文，js_msb_head）所见的挂牌督办页：{RECEIPTED_CASE}，案件、移送和期限只读（整页）。",
    "10-joint-meeting.png": "联席会议页：议题、出席情况和议定事项（牵头单位、配合单位、完成时限）（整页）。",
    "11-statistics.png": "统计报表：seed-003 主要指标和季度统计表，可下载 .xlsx（整页）。",
    "12-institution.png": "经办机构（钱进，fund_officer）所见的定点医药机构页：协议状态、检查和协议处理记录（整页）。",
    "13-my-work.png": "医保局局长（周明，msb_head）登录后的“我的工作”：每行写明案件、当事人、环节和剩余期限，点“认领并办理”即打开表单。",
    "14-search.png": "搜索“医院”（msb_officer）：在有权查看的案件、移送中查找，每类列出前十条并可查看全部。",
    "15-api-docs.png": "接口文档（/api/docs/）：Swagger UI，接口说明和按钮均为中文。",
}


def settle(page) -> None:
    """Until the page, its images (the flow chart) and its fonts are loaded."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => Array.from(document.images).every((image) => image.complete)")
    page.evaluate("() => document.fonts.ready.then(() => true)")


class Shooter:
    def __init__(self, browser, base_url: str, out: Path):
        self.browser, self.base_url, self.out = browser, base_url.rstrip("/"), out
        self.saved: list[str] = []
        self.skipped: list[tuple[str, str]] = []

    def page_as(self, username: str):
        context = self.browser.new_context(
            base_url=self.base_url, viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    def shot(self, page, name: str, *, full_page: bool = False) -> None:
        settle(page)
        page.screenshot(path=str(self.out / name), full_page=full_page)
        self.saved.append(name)
        print(f"  {name}")

    def skip(self, name: str, reason: str) -> None:
        self.skipped.append((name, reason))
        print(f"  {name}: skipped — {reason}", file=sys.stderr)


def open_approval_form(head, case_title: str) -> bool:
    """Head: the queue (or the inbox, if a previous run already took it) → the case's approval task → its form."""
    for listing in ("/workflow/queue/", "/workflow/inbox/"):
        head.goto(listing)
        row = head.locator("tr", has_text=case_title).filter(has_text=APPROVAL_TASK)
        if row.count():
            row.first.get_by_role("link").first.click()
            head.wait_for_url(lambda url: "/assign/" in url or "/execute/" in url)
            if "/assign/" in head.url:
                head.locator("button[name=_continue]").click()  # 认领 and continue to the form
                head.wait_for_url("**/execute/")
            return True
    return False


def approve(head) -> None:
    field = head.locator("vf-field-select[name=approve]")
    field.locator(".mdc-select__anchor").click()
    field.locator("li[data-value='yes']").click()
    head.locator("textarea[name=opinion]").fill("同意移送。请公安机关依法审查。")
    head.once("dialog", lambda dialog: dialog.accept())  # 确认提交“负责人审批移送”？
    head.locator("button[data-lb-confirm]").click()
    head.wait_for_url(lambda url: "/execute/" not in url)


def open_case(page, listing: str, title: str) -> None:
    page.goto(listing)
    page.get_by_role("link", name=title).first.click()
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit())


def take_all(shooter: Shooter) -> None:
    officer = shooter.page_as("msb_officer")
    officer.goto("/workflow/inbox/")
    shooter.shot(officer, "01-msb-officer-inbox.png")
    officer.goto("/cases/")
    shooter.shot(officer, "02-case-list.png")
    open_case(officer, "/cases/", PENDING_CASE)
    shooter.shot(officer, "03-case-detail-flow-chart.png", full_page=True)

    police = shooter.page_as("psb_officer")
    police.goto("/referrals/")
    police.wait_for_function("() => { const n = window.lianbanNotifications;"
                             " return !!(n && n.state.socket && n.state.socket.readyState === WebSocket.OPEN); }")
    head = shooter.page_as("msb_head")
    if open_approval_form(head, PENDING_CASE):
        shooter.shot(head, "04-head-approval-form.png")
        approve(head)
        toast = police.locator("#lb-toasts .lb-toast", has_text="收到移送案件")
        toast.wait_for(state="visible", timeout=10_000)
        police.screenshot(path=str(shooter.out / "05-psb-toast.png"))  # at once: a toast leaves after 8 s
        shooter.saved.append("05-psb-toast.png")
        print("  05-psb-toast.png")
    else:
        reason = f"no open {APPROVAL_TASK} task for {PENDING_CASE} (already approved? start from fresh demo data)"
        shooter.skip("04-head-approval-form.png", reason)
        shooter.skip("05-psb-toast.png", reason)

    open_case(police, "/referrals/", RECEIPTED_CASE)
    shooter.shot(police, "06-psb-referral-letter-receipt.png", full_page=True)
    police.goto("/notifications/")
    shooter.shot(police, "07-notifications.png")

    leader = shooter.page_as("msb_leader")
    leader.goto("/leadership/dashboard/")
    shooter.shot(leader, "08-leadership-dashboard.png", full_page=True)
    province = shooter.page_as("js_msb_head")
    open_case(province, "/supervision/", RECEIPTED_CASE)
    shooter.shot(province, "09-supervision.png", full_page=True)
    open_case(officer, "/meetings/", MEETING)
    shooter.shot(officer, "10-joint-meeting.png", full_page=True)
    leader.goto("/leadership/statistics/")
    shooter.shot(leader, "11-statistics.png", full_page=True)
    fund = shooter.page_as("fund_officer")
    open_case(fund, "/agreements/", SUSPENDED_INSTITUTION)
    shooter.shot(fund, "12-institution.png", full_page=True)
    head.goto("/workflow/work/")
    shooter.shot(head, "13-my-work.png")
    officer.goto("/search/?q=医院")
    shooter.shot(officer, "14-search.png")
    officer.goto("/api/docs/")
    officer.locator(".opblock").first.wait_for(state="visible", timeout=30_000)
    officer.locator(".opblock-summary").first.click()
    officer.get_by_role("button", name="试用").first.wait_for(state="visible")
    shooter.shot(officer, "15-api-docs.png")


def write_readme(out: Path, base_url: str) -> None:
    lines = ["# Screenshots", "",
             "Taken by `scripts/screenshots.py` (Playwright + Debian chromium, 1400×900) against the demo data",
             "(`python manage.py demo`). Regenerate: start a server on fresh demo data, then",
             f"`.venv/bin/python scripts/screenshots.py --base-url {base_url}`.", ""]
    lines += [f"- `{name}` — {line}" for name, line in SHOTS.items() if (out / name).exists()]
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    executable = os.environ.get("LIANBAN_CHROMIUM") or (
        CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"))
    if executable and not os.access(executable, os.X_OK):
        executable = None
    if not executable:
        print("Debian chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        shooter = Shooter(browser, args.base_url, args.out)
        try:
            print(f"Screenshots of {args.base_url} into {args.out}:")
            take_all(shooter)
        finally:
            browser.close()
    write_readme(args.out, args.base_url)
    print(f"{len(shooter.saved)} saved, {len(shooter.skipped)} skipped.")
    return 1 if shooter.skipped else 0


if __name__ == "__main__":
    sys.exit(main())
