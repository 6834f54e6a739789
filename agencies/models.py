"""Agencies, their officers and role groups, document-number registers and the audit chain."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone


class AgencyKind(models.TextChoices):
    MSB = "msb", "医疗保障局"
    HANDLING = "handling", "医疗保障经办机构"
    PSB = "psb", "公安机关"
    PROCURATORATE = "procuratorate", "人民检察院"
    HEALTH = "health", "卫生健康委员会"
    MARKET = "market", "市场监督管理局"
    DISCIPLINE = "discipline", "纪委监委"
    GOVERNMENT = "government", "人民政府办公室"


class AgencyLevel(models.TextChoices):
    NATIONAL = "national", "国家"
    PROVINCE = "province", "省级"
    CITY = "city", "地市级"
    COUNTY = "county", "县区级"


class Agency(models.Model):
    code = models.SlugField("机关代码", max_length=40, unique=True)
    name = models.CharField("机关全称", max_length=100)
    short_name = models.CharField("机关简称", max_length=40)
    kind = models.CharField("机关类别", max_length=20, choices=AgencyKind.choices)
    level = models.CharField("层级", max_length=10, choices=AgencyLevel.choices)
    region_code = models.CharField(
        "行政区划代码", max_length=6, validators=[RegexValidator(r"^\d{6}$", "行政区划代码应为6位数字。")]
    )
    region_name = models.CharField("行政区划", max_length=40)
    parent = models.ForeignKey(
        "self", verbose_name="上级机关", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    doc_prefix = models.CharField("发文机关代字", max_length=20, help_text="例如“镇医保”，文号为“镇医保移〔2026〕1号”。")
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    # Every officer of the agency, whatever the role: what the agency may see (cases, referrals) is
    # granted once to this group, not once to each of its five role groups.
    members = models.OneToOneField(
        "auth.Group", verbose_name="全体人员组", null=True, editable=False, on_delete=models.SET_NULL, related_name="agency_members"
    )
    # An agency not yet on Lianban (纸质办理): the clerks of `recorded_by` enter its steps (agencies.recording).
    recorded_by = models.ForeignKey(
        "self", verbose_name="代录机关", null=True, blank=True, on_delete=models.PROTECT, related_name="records_for",
        help_text="本机关尚未使用联办系统、以纸质文书办理时，由所选机关的文书人员代为录入本机关的办理步骤（代录）。"
        "留空表示本机关在联办系统中办理。",
    )

    class Meta:
        verbose_name = "机关"
        verbose_name_plural = "机关"
        ordering = ["region_code", "kind", "name"]
        indexes = [models.Index(fields=["region_code", "level", "kind"])]
        # Task permissions: granted per Agency row to that agency's role groups, never globally.
        permissions = [
            ("act_for_agency", "以本机关名义办理"),
            ("approve_case", "审批立案和处理决定"),
            ("approve_transfer", "审批移送涉嫌犯罪案件"),
            ("issue_documents", "签发文书"),
            ("handle_escalation", "处理超期督办"),
            ("approve_extension", "批准延长法定期限"),
            ("approve_reward", "审批举报奖励"),
            ("approve_publication", "审批典型案例曝光"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def on_paper(self) -> bool:
        return self.recorded_by_id is not None


class Role(models.TextChoices):
    OFFICER = "officer", "承办人"
    SECTION_CHIEF = "section_chief", "科室负责人"
    HEAD = "head", "正职负责人"
    LEADER = "leader", "局领导"
    CLERK = "clerk", "文书"


class Officer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer")
    agency = models.ForeignKey(Agency, verbose_name="所在机关", on_delete=models.PROTECT, related_name="officers")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    title = models.CharField("职务", max_length=40, blank=True)
    badge_number = models.CharField("执法证号", max_length=40, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"
        ordering = ["agency", "role", "user__username"]

    def __str__(self) -> str:
        return f"{self.display_name}（{self.agency.short_name}）"

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class AgencyGroup(models.Model):
    """The one auth Group for each (agency, role); object permissions are granted to these groups."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(max_length=20, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="agency_role")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "role"], name="one_group_per_agency_role")]

    def __str__(self) -> str:
        return self.group.name


class DocumentRegister(models.Model):
    """One 文号 register per organ × document family × year; serials are gapless and never reused."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="registers")
    family = models.CharField("文书类别代字", max_length=10)
    year = models.PositiveSmallIntegerField("年度")
    last_serial = models.PositiveIntegerField("已用至", default=0)

    class Meta:
        verbose_name = "文号登记簿"
        verbose_name_plural = "文号登记簿"
        constraints = [models.UniqueConstraint(fields=["agency", "family", "year"], name="one_register_per_family_year")]

    def __str__(self) -> str:
        return f"{self.agency.doc_prefix}{self.family}〔{self.year}〕"


class AuditEvent(models.Model):
    """Append-only record of a state change, written in the same transaction as the change.

    `mac` is the proof of origin: an HMAC of the content under the audit key (kept outside the
    database), computed by `agencies.audit.audit_append` when the application writes the event.
    `seq`, `prev_hash` and `hash` are filled right after commit by `agencies.audit.audit_seal`,
    which chains (HMAC again) only events whose `mac` verifies, in commit order;
    `manage.py verify_audit` proves the chain.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verb = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=40)
    thread = models.CharField(max_length=60, db_index=True, help_text="e.g. case:12 — groups events for a timeline")
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    mac = models.CharField(max_length=64, blank=True, editable=False, help_text="HMAC of the content at write time (proof of origin)")
    seq = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.verb} {self.summary}"


class AuditChainHead(models.Model):
    """Singleton row locked while sealing, so events are chained one at a time.

    `legacy_seq`/`legacy_hash`: events 1…legacy_seq were chained by versions before the audit key
    (unkeyed SHA-256, no `mac`); migration 0003 fixed that boundary and signed it (`legacy_mac`).
    """

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    legacy_seq = models.PositiveBigIntegerField(default=0)
    legacy_hash = models.CharField(max_length=64, blank=True)
    legacy_mac = models.CharField(max_length=64, blank=True)
