from django.core.management.base import BaseCommand, CommandError

from django.db import transaction

from casework.calendar import YearSync, calendar_sync_from_library, holiday_year_create_provisional, library_source, year_status
from casework.calendar_changes import clocks_recount


class Command(BaseCommand):
    help = (
        "从 chinese-calendar 同步法定节假日与调休安排（Sync the holiday calendar from chinese-calendar）；"
        "管理员依据其他来源确认的年度不会被覆盖。--provisional 建立仅按周末计算的暂定年度。"
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--year", type=int, action="append", dest="years", metavar="YEAR", help="只同步该年度（可重复）；默认同步库中全部年度")
        which.add_argument("--provisional", type=int, metavar="YEAR", help="建立暂定年度：仅周末休息，节假日待管理员录入")
        parser.add_argument("--dry-run", action="store_true", help="只显示将要发生的变化，不写入")

    def handle(self, *args, years: list[int] | None, provisional: int | None, dry_run: bool, **options):
        if provisional is not None:
            self._provisional(provisional, dry_run=dry_run)
            return
        try:
            with transaction.atomic():  # the table and the clocks counted through it change together
                results = calendar_sync_from_library(years, dry_run=dry_run)
                changed_years = [year for year, result in results.items() if result.has_changes]
                moved = [] if dry_run else clocks_recount(
                    years=changed_years, actor=None, reason=f"节假日安排从 {library_source()} 同步"
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for result in results.values():
            self.stdout.write(self._describe(result))
        summary = f"{len(results)} 个年度，{len(changed_years)} 个有变化。"
        if moved:
            summary += f"已重新计算 {len(moved)} 项未办结的期限。"
        self.stdout.write(self.style.SUCCESS(f"（试运行，未写入）{summary}" if dry_run else summary))

    def _provisional(self, year: int, *, dry_run: bool) -> None:
        status = year_status(year)
        if status is not None:
            self.stdout.write(f"{year}年：已存在（{status}），未改动。")
        elif dry_run:
            self.stdout.write(f"（试运行，未写入）将建立{year}年暂定安排：仅周末休息。")
        else:
            holiday_year_create_provisional(year=year)
            self.stdout.write(self.style.SUCCESS(f"{year}年：已建立暂定安排（仅周末休息），请在“节假日安排”中录入节假日。"))

    @staticmethod
    def _describe(result: YearSync) -> str:
        if result.skipped:
            return f"{result.year}年：跳过——{result.skipped}。"
        if not result.has_changes:
            return f"{result.year}年：已是最新（{result.days} 个例外日）。"
        parts = [f"{label} {len(days)} 天" for label, days in (("新增", result.added), ("删除", result.removed), ("修改", result.changed)) if days]
        if result.year_written:
            parts.insert(0, "年度标为已确认")
        return f"{result.year}年：{'，'.join(parts)}（共 {result.days} 个例外日）。"
