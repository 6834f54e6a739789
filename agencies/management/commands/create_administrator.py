"""manage.py create_administrator --role system|security|audit --username U

Sets up one of the three administrators (三员分立) as a staff account that is not a superuser. The
password is read from LIANBAN_ADMIN_PASSWORD, or asked twice at the terminal; it must pass the
password validators. An existing account is given the role instead (and loses superuser status),
which is how a superuser left from an older installation becomes an administrator. Audited.
"""

from __future__ import annotations

import getpass
import os
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agencies.administrators import AdminRole, administrator_assign, administrator_create
from agencies.models import Officer

PASSWORD_ENV = "LIANBAN_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = "设立系统管理员、安全管理员或审计管理员（三员分立；不是超级用户）。"

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=AdminRole.values, help="system 系统管理员 | security 安全管理员 | audit 审计管理员")
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", default="", help="姓名（默认为角色名称）")

    def handle(self, *args, role: str, username: str, full_name: str, **options):
        label = AdminRole(role).label
        existing = get_user_model().objects.filter(username=username).first()
        if existing is not None:
            if Officer.objects.filter(user=existing).exists():
                raise CommandError(f"{username} 是机关工作人员的账号，不能兼任管理员；请另用一个用户名。")
            administrator_assign(user=existing, role=role)
            self.stdout.write(self.style.SUCCESS(f"已有账号 {username} 现为{label}（不是超级用户）。"))
            return
        password = os.environ.get(PASSWORD_ENV) or self._ask_password()
        try:
            administrator_create(role=role, username=username, password=password, full_name=full_name)
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"已设立{label} {username}（管理后台 /admin/，不是超级用户）。"))

    def _ask_password(self) -> str:
        if not self.stdin_is_interactive():
            raise CommandError(f"请在环境变量 {PASSWORD_ENV} 中提供密码，或在终端中运行以便输入密码。")
        password = getpass.getpass("密码：")
        if password != getpass.getpass("再次输入密码："):
            raise CommandError("两次输入的密码不一致，未作任何更改。")
        if not password:
            raise CommandError("密码不能为空。")
        return password

    @staticmethod
    def stdin_is_interactive() -> bool:
        return sys.stdin.isatty()
