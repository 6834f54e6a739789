from django.core.management.base import BaseCommand, CommandError

from agencies.audit import audit_seal_report, audit_verify

SHOWN = 200  # with a wrong key every event fails: report the first ones and the count


class Command(BaseCommand):
    help = "验证审计日志哈希链（带密钥的 HMAC 链，并与库外检查点比对）（Verify the keyed audit chain and its checkpoints）。"

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="先把已提交但未入链的记录补入哈希链（来源签名无效的记录拒绝入链）")

    def handle(self, *args, seal: bool, **options):
        if seal:
            result = audit_seal_report()
            self.stdout.write(f"补链 {result.sealed} 条。")
            for event_id in result.refused:
                self.stderr.write(f"[事件 {event_id}] 来源签名无效，不是本系统写入的记录，拒绝入链。")
        problems = list(audit_verify())
        for problem in problems[:SHOWN]:
            self.stderr.write(f"[事件 {problem.event_id}] {problem.message}")
        if len(problems) > SHOWN:
            self.stderr.write(f"……另有 {len(problems) - SHOWN} 处问题未列出。")
        if problems:
            raise CommandError(f"审计链验证失败：{len(problems)} 处问题。")
        self.stdout.write(self.style.SUCCESS("审计链完整。"))
