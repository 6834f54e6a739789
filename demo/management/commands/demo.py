from django.core.management.base import BaseCommand
from django.db import transaction

from demo.scenario import AUDIT_ADMIN, DEMO_PASSWORD, OFFICERS, SECURITY_ADMIN, SYSTEM_ADMIN, build_city, system_admin_ensure
from demo.stories import (
    agreements_demo, connected_systems_demo, joint_meeting_demo, notifications_settle, reward_policies_demo, supervise_demo_case,
    tell_all,
)


class Command(BaseCommand):
    help = "建立演示城市（镇江市）：各类机关、各角色人员和处于各阶段的案件。可重复执行。"

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="不打印登录账号")

    @transaction.atomic
    def handle(self, *args, quiet: bool, **options):
        cast = build_city()
        system_admin_ensure()
        created = tell_all(cast, dated=True)
        supervise_demo_case(cast)
        joint_meeting_demo(cast)
        agreements_demo(cast)
        reward_policies_demo()
        connected_systems_demo(cast)
        notifications_settle(cast)
        self.stdout.write(self.style.SUCCESS(f"演示数据就绪：{len(cast.agencies)} 个机关，{len(cast.officers)} 名人员，新建案件 {len(created)} 件。"))
        if quiet:
            return
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, full_name, code, role, title, *_ in OFFICERS:
            officer = cast.officers[username]
            self.stdout.write(f"  {username:<16} {full_name:<4} {officer.agency.short_name} · {officer.get_role_display()}（{title}）")
        self.stdout.write(f"  {SYSTEM_ADMIN:<16} 系统管理员  /admin/（节假日安排、机关与人员；不可查看案件）")
        self.stdout.write(f"  {SECURITY_ADMIN:<16} 安全管理员  /admin/（账号、重置密码、解锁；不可查看案件）")
        self.stdout.write(f"  {AUDIT_ADMIN:<16} 审计管理员  /admin/（审计日志与安全日志，案件内容已遮蔽）")
