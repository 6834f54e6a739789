from django.core.management.base import BaseCommand, CommandError

from agencies.audit import audit_seal, audit_verify


class Command(BaseCommand):
    help = "验证审计日志哈希链（Verify the hash-chained audit trail）。"

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="先把已提交但未入链的记录补入哈希链")

    def handle(self, *args, seal: bool, **options):
        if seal:
            sealed = audit_seal()
            self.stdout.write(f"补链 {sealed} 条。")
        problems = list(audit_verify())
        for problem in problems:
            self.stderr.write(f"[事件 {problem.event_id}] {problem.message}")
        if problems:
            raise CommandError(f"审计链验证失败：{len(problems)} 处问题。")
        self.stdout.write(self.style.SUCCESS("审计链完整。"))
