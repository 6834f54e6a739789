"""The demo city: 镇江市 with every agency kind and officers of every role, plus an outsider city."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from agencies.administrators import administrator_assign, administrator_create
from agencies.models import Agency, AgencyKind, AgencyLevel, Officer, Role
from agencies.permissions import agency_setup_groups
from agencies.services import agency_create, officer_create

DEMO_PASSWORD = "lianban-demo"

PROVINCE = ("320000", "江苏省")
CITY = ("321100", "镇江市")
OTHER_CITY = ("320400", "常州市")
DISTRICT = ("321102", "镇江市京口区")

# code, name, short name, kind, level, region, 发文机关代字, parent code
AGENCIES = [
    ("js-msb", "江苏省医疗保障局", "江苏省医保局", AgencyKind.MSB, AgencyLevel.PROVINCE, PROVINCE, "苏医保", None),
    ("zj-msb", "镇江市医疗保障局", "镇江市医保局", AgencyKind.MSB, AgencyLevel.CITY, CITY, "镇医保", "js-msb"),
    ("zj-fund", "镇江市医疗保险基金管理中心", "镇江市医保中心", AgencyKind.HANDLING, AgencyLevel.CITY, CITY, "镇医保中心", "zj-msb"),
    ("zj-psb", "镇江市公安局", "镇江市公安局", AgencyKind.PSB, AgencyLevel.CITY, CITY, "镇公", None),
    ("zj-jk-psb", "镇江市公安局京口分局", "京口公安分局", AgencyKind.PSB, AgencyLevel.COUNTY, DISTRICT, "京公", "zj-psb"),
    ("zj-proc", "镇江市人民检察院", "镇江市检察院", AgencyKind.PROCURATORATE, AgencyLevel.CITY, CITY, "镇检", None),
    ("zj-health", "镇江市卫生健康委员会", "镇江市卫健委", AgencyKind.HEALTH, AgencyLevel.CITY, CITY, "镇卫健", None),
    ("zj-market", "镇江市市场监督管理局", "镇江市市场监管局", AgencyKind.MARKET, AgencyLevel.CITY, CITY, "镇市监", None),
    ("zj-disc", "中共镇江市纪律检查委员会 镇江市监察委员会", "镇江市纪委监委", AgencyKind.DISCIPLINE, AgencyLevel.CITY, CITY, "镇纪", None),
    ("zj-gov", "镇江市人民政府办公室", "镇江市政府办", AgencyKind.GOVERNMENT, AgencyLevel.CITY, CITY, "镇政办", None),
    ("cz-msb", "常州市医疗保障局", "常州市医保局", AgencyKind.MSB, AgencyLevel.CITY, OTHER_CITY, "常医保", "js-msb"),
    ("cz-psb", "常州市公安局", "常州市公安局", AgencyKind.PSB, AgencyLevel.CITY, OTHER_CITY, "常公", None),
]

# username, full name, agency code, role, 职务, 执法证号, phone
OFFICERS = [
    ("js_msb_officer", "沈洁", "js-msb", Role.OFFICER, "基金监管处一级主任科员", "32000021001", "025-83330001"),
    ("js_msb_head", "顾文", "js-msb", Role.HEAD, "局长", "", "025-83330000"),
    ("msb_officer", "王立新", "zj-msb", Role.OFFICER, "基金监管科科员", "32110021001", "0511-84420001"),
    ("msb_officer2", "李静", "zj-msb", Role.OFFICER, "基金监管科科员", "32110021002", "0511-84420002"),
    ("msb_chief", "陈建国", "zj-msb", Role.SECTION_CHIEF, "基金监管科科长", "32110021003", "0511-84420003"),
    ("msb_head", "周明", "zj-msb", Role.HEAD, "局长", "", "0511-84420000"),
    ("msb_leader", "赵华", "zj-msb", Role.LEADER, "副局长", "", "0511-84420010"),
    ("msb_clerk", "孙悦", "zj-msb", Role.CLERK, "办公室文书", "", "0511-84420020"),
    ("fund_officer", "钱进", "zj-fund", Role.OFFICER, "稽核科科员", "", "0511-84430001"),
    ("psb_officer", "刘强", "zj-psb", Role.OFFICER, "经侦支队民警", "", "0511-84440001"),
    ("psb_chief", "吴军", "zj-psb", Role.SECTION_CHIEF, "经侦支队副支队长", "", "0511-84440002"),
    ("psb_head", "郑伟", "zj-psb", Role.HEAD, "局长", "", "0511-84440000"),
    ("jk_psb_officer", "孙涛", "zj-jk-psb", Role.OFFICER, "经侦大队民警", "", "0511-85550001"),
    ("jk_psb_head", "钱坤", "zj-jk-psb", Role.HEAD, "分局局长", "", "0511-85550000"),
    ("proc_officer", "冯雪", "zj-proc", Role.OFFICER, "刑事检察部检察官", "", "0511-84450001"),
    ("health_officer", "何平", "zj-health", Role.OFFICER, "医政医管科科员", "", "0511-84460001"),
    ("market_officer", "高远", "zj-market", Role.OFFICER, "价格监督检查科科员", "", "0511-84470001"),
    ("disc_officer", "林清", "zj-disc", Role.OFFICER, "第五监督检查室干部", "", "0511-84480001"),
    ("gov_officer", "黄磊", "zj-gov", Role.OFFICER, "秘书科科员", "", "0511-84490001"),
    ("cz_msb_officer", "马超", "cz-msb", Role.OFFICER, "基金监管处科员", "32040021001", "0519-85680001"),
    ("cz_psb_officer", "罗斌", "cz-psb", Role.OFFICER, "经侦支队民警", "", "0519-85690001"),
]


@dataclass(frozen=True)
class Cast:
    agencies: dict[str, Agency]
    officers: dict[str, Officer]

    def user(self, username: str):
        return self.officers[username].user


@transaction.atomic
def build_city(*, password: str | None = DEMO_PASSWORD) -> Cast:
    """Create (or find) every agency and officer of the demo. Idempotent."""
    agencies: dict[str, Agency] = {}
    for code, name, short, kind, level, (region, region_name), prefix, parent in AGENCIES:
        existing = Agency.objects.filter(code=code).first()
        if existing is not None:
            agency_setup_groups(existing)  # idempotent: brings older demo data up to today's role grants
        agency = existing or agency_create(
            code=code, name=name, short_name=short, kind=kind, level=level, region_code=region,
            region_name=region_name, doc_prefix=prefix, parent=agencies.get(parent) if parent else None,
            address=f"{region_name}", phone="",
        )
        agencies[code] = agency
    officers: dict[str, Officer] = {}
    for username, full_name, code, role, title, badge, phone in OFFICERS:
        officer = Officer.objects.select_related("user", "agency").filter(user__username=username).first() or officer_create(
            username=username, full_name=full_name, agency=agencies[code], role=role, password=password,
            title=title, badge_number=badge, phone=phone,
        )
        officers[username] = officer
    return Cast(agencies=agencies, officers=officers)


DEMO_AMOUNT = Decimal("486320.50")
SYSTEM_ADMIN = "sysadmin"  # 系统管理员: the admin site (holiday calendar, agencies, officers); sees no case
SECURITY_ADMIN = "secadmin"  # 安全管理员: accounts, passwords, lockouts
AUDIT_ADMIN = "auditadmin"  # 审计管理员: the audit trail (case contents masked) and the security log
ADMINISTRATORS = [(SYSTEM_ADMIN, "system"), (SECURITY_ADMIN, "security"), (AUDIT_ADMIN, "audit")]


@transaction.atomic
def system_admin_ensure(*, password: str = DEMO_PASSWORD):
    """The demo's three administrators (三员分立), none a superuser; returns the system administrator.

    Idempotent, and an older demo's superuser `sysadmin` becomes a plain 系统管理员."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    users = {}
    for username, role in ADMINISTRATORS:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            # The demo password is printed for everyone: it is not meant to pass the password policy.
            user = administrator_create(role=role, username=username, password=password, enforce_password_policy=False)
        else:
            administrator_assign(user=user, role=role)
        users[username] = user
    return users[SYSTEM_ADMIN]
