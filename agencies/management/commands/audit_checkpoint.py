from django.core.management.base import BaseCommand, CommandError

from agencies.audit import audit_checkpoint


class Command(BaseCommand):
    help = (
        "写审计检查点：验证上一个检查点之后入链的记录，再把链尾（序号、哈希、时间）签名写入 "
        "LIANBAN_AUDIT_CHECKPOINT_DIR（每个检查点一个文件，另有 latest.json）。链未增长时不写。"
    )

    def handle(self, *args, **options):
        outcome = audit_checkpoint()
        for problem in outcome.problems:
            self.stderr.write(f"[事件 {problem.event_id}] {problem.message}")
        if outcome.problems:
            raise CommandError(outcome.message)
        self.stdout.write(self.style.SUCCESS(outcome.message))
