"""The deadline worker: warn before each legal limit, escalate each breach — each exactly once. Each
round it also runs the screening imports no live process holds (casework.screening_jobs: one whose web
process died mid-way resumes here).

Safe to run several at once (rows are claimed with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL;
SQLite has one writer at a time). Running as a service (without --once) it also writes an audit
checkpoint every LIANBAN_AUDIT_CHECKPOINT_INTERVAL_SECONDS (agencies.audit.audit_checkpoint).
"""

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from agencies.audit import audit_checkpoint
from casework.clocks import clocks_fire_breaches, clocks_fire_warnings
from casework.screening_jobs import screening_jobs_resume


class Command(BaseCommand):
    help = "期限计时器：到预警时间的发出预警，届满未办结的标记超期并生成超期督办任务。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="处理一轮后退出（供 cron 或测试使用）")
        parser.add_argument("--interval", type=int, default=settings.LIANBAN_CLOCK_WORKER_INTERVAL_SECONDS, help="两轮之间的秒数")
        parser.add_argument("--batch", type=int, default=settings.LIANBAN_CLOCK_WORKER_BATCH, help="每个事务最多处理的期限数")

    def handle(self, *args, once: bool, interval: int, batch: int, **options):
        stopping, next_checkpoint = [], 0.0
        if not once:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stopping.append(True))
            self.stdout.write(f"期限计时器已启动，每 {interval} 秒检查一次。")
        while True:
            if not once:
                close_old_connections()  # a long-running worker must not keep a dead connection
            warned, breached = self.sweep(batch)
            resumed = screening_jobs_resume()
            if resumed:
                self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} 续办大数据筛查导入 {resumed} 件。")
            if not once and time.monotonic() >= next_checkpoint:
                outcome = audit_checkpoint()
                (self.stderr if outcome.problems else self.stdout).write(outcome.message)
                next_checkpoint = time.monotonic() + settings.LIANBAN_AUDIT_CHECKPOINT_INTERVAL_SECONDS
            if warned or breached or once:
                self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} 预警 {warned} 项，超期 {breached} 项。")
            if once or stopping:
                return
            for _ in range(interval):
                if stopping:
                    return
                time.sleep(1)

    def sweep(self, batch: int) -> tuple[int, int]:
        """Fire everything due now, one batch (one transaction) at a time."""
        warned = breached = 0
        while True:
            now = timezone.now()
            fired_breaches = clocks_fire_breaches(now=now, batch=batch)
            fired_warnings = clocks_fire_warnings(now=now, batch=batch)
            breached, warned = breached + fired_breaches, warned + fired_warnings
            if fired_breaches < batch and fired_warnings < batch:
                return warned, breached
