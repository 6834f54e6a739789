"""Cases, their parties (subjects) and evidence, the case process and who may see each case."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from viewflow.workflow.models import Process

from agencies.models import Agency
from agencies.visibility import SortedGrant
from casework.identifiers import validate_resident_id, validate_uscc


class CaseSource(models.TextChoices):
    TIP = "tip", "举报投诉"
    FLYING = "flying", "飞行检查"
    DAILY = "daily", "日常检查"
    SPECIAL = "special", "专项检查"
    BIG_DATA = "big_data", "大数据模型筛查"
    SMART_MONITORING = "smart_monitoring", "智能监控"
    ASSIGNED = "assigned", "上级交办"
    HANDLING_AGENCY = "handling_agency", "经办机构移交"
    POLICE = "police", "公安机关反向移送"
    PROCURATORATE = "procuratorate", "检察意见"
    DEPARTMENT = "department", "其他部门移送"
    MEDIA = "media", "媒体曝光"
    SELF_INSPECTION = "self_inspection", "自查自纠"


class ViolationType(models.TextChoices):
    """条例 (国务院令第735号) violation taxonomy, domain.md §5.1."""

    AG1 = "V-AG1", "经办机构未建立健全内控等制度（第36条）"
    AG2 = "V-AG2", "经办机构伪造变造资料、虚构服务骗取基金（第37条）"
    IN1 = "V-IN1", "分解住院、挂床住院（第38条第1项）"
    IN2 = "V-IN2", "过度诊疗、过度检查、分解处方、超量开药、重复开药（第38条第2项）"
    IN2B = "V-IN2b", "重复收费、超标准收费、分解项目收费（第38条第3项）"
    IN2C = "V-IN2c", "串换药品、医用耗材、诊疗项目和服务设施（第38条第4项）"
    IN2D = "V-IN2d", "为参保人员利用其享受医保待遇的机会转卖药品、接受返还现金实物等提供便利（第38条第5项）"
    IN2E = "V-IN2e", "将不属于基金支付范围的费用纳入结算（第38条第6项）"
    IN2F = "V-IN2f", "造成基金损失的其他违法行为（第38条第7项）"
    IN_M = "V-IN-M", "定点医药机构管理违规、拒绝检查或提供虚假情况（第39条）"
    IN3 = "V-IN3", "定点医药机构以骗取基金为目的的欺诈行为（第40条）"
    IN4 = "V-IN4", "造成重大损失或严重不良社会影响的负责人责任（第43条）"
    IP1 = "V-IP1", "个人出借凭证、重复享受待遇、转卖药品（第41条第1款）"
    IP2 = "V-IP2", "个人以骗取基金为目的的欺诈行为（第41条第2款）"
    BR = "V-BR", "收受贿赂或取得其他非法收入（第42条）"
    EMB = "V-EMB", "侵占、挪用医疗保障基金（第44条）"
    LEAK = "V-LEAK", "泄露、篡改个人信息或商业秘密（第46条）"
    OFF = "V-OFF", "滥用职权、玩忽职守、徇私舞弊（第47条）"
    CRIM = "V-CRIM", "违反治安管理或构成犯罪（第48条）"


class CaseStatus(models.TextChoices):
    LEAD = "lead", "线索核查"
    PENDING_FILING = "pending_filing", "待立案审批"
    NOT_FILED = "not_filed", "不予立案"
    INVESTIGATING = "investigating", "调查中"
    PENDING_DECISION = "pending_decision", "待处理决定"
    ADMIN_HANDLING = "admin_handling", "行政处理中"
    TRANSFERRING = "transferring", "移送公安机关中"
    TRANSFERRED = "transferred", "公安机关已立案"
    CLOSED = "closed", "已结案"


class ParallelReferral(models.TextChoices):
    """Clue referrals a handling decision may open at the same time (domain §7 "dual/multiple referral")."""

    HEALTH = "health", "卫生健康部门（医疗机构、医务人员执业问题）"
    MARKET = "market", "市场监管部门（价格、药品经营问题）"
    DISCIPLINE = "discipline", "纪检监察机关（公职人员问题线索，保密）"
    PROCURATORATE = "procuratorate", "人民检察院"


class Handling(models.TextChoices):
    CLOSE = "close", "结案（违法事实不能成立或无需处理）"
    ADMINISTRATIVE = "administrative", "行政处理"
    CRIMINAL = "criminal", "移送公安机关（涉嫌犯罪）"


class Case(models.Model):
    number = models.CharField("案件编号", max_length=60, unique=True)
    title = models.CharField("案件名称", max_length=200)
    source = models.CharField("线索来源", max_length=30, choices=CaseSource.choices)
    source_detail = models.CharField("来源说明", max_length=200, blank=True)
    # A real-name reporter is told whether the case was filed (令第5号) and stays confidential: these
    # fields appear on the bureau's own case page only, never in a package, letter or notification.
    reporter_real_name = models.BooleanField("实名举报", default=False)
    reporter_name = models.CharField("举报人姓名", max_length=60, blank=True)
    reporter_contact = models.CharField("举报人联系方式", max_length=100, blank=True)
    reporter_notified_at = models.DateTimeField("告知举报人时间", null=True, blank=True)
    reporter_notice_channel = models.CharField("告知方式", max_length=20, blank=True)
    summary = models.TextField("线索摘要")
    violation_types = models.JSONField("违法类型", default=list, blank=True)
    amount_involved = models.DecimalField(
        "涉案金额（元）", max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    agency = models.ForeignKey(Agency, verbose_name="承办机关", on_delete=models.PROTECT, related_name="cases")
    status = models.CharField("状态", max_length=20, choices=CaseStatus.choices, default=CaseStatus.LEAD)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)  # set by case_register
    lead_officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="承办人", on_delete=models.PROTECT, related_name="+")
    investigators = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="执法人员", blank=True, related_name="+")
    # MSB-internal: never part of a transfer package.
    verification_opinion = models.TextField("核查意见", blank=True)
    filing_opinion = models.TextField("立案审批意见", blank=True)
    filed_at = models.DateTimeField("立案时间", null=True, blank=True)
    findings = models.TextField("调查认定的事实", blank=True)
    proposed_handling = models.CharField("拟处理意见", max_length=20, choices=Handling.choices, blank=True)
    handling_reason = models.TextField("处理意见理由", blank=True)
    handling = models.CharField("处理决定", max_length=20, choices=Handling.choices, blank=True)
    also_refer_to = models.JSONField("同时移送", default=list, blank=True)  # clue referrals opened with the decision
    decision_opinion = models.TextField("负责人意见", blank=True)
    outcome = models.TextField("处理结果", blank=True)
    # While the police handle a transferred case the fine decision waits for the criminal outcome: a
    # court's 罚金 is offset against, or bars, a fine (行政处罚法 Art. 35; domain §6.3, a setting).
    fine_paused_at = models.DateTimeField("罚款决定中止时间", null=True, blank=True)
    fine_resumed_at = models.DateTimeField("罚款决定恢复时间", null=True, blank=True)
    resumes = models.ForeignKey(
        "self", verbose_name="续办原案", null=True, blank=True, on_delete=models.PROTECT, related_name="continuations",
        help_text="检察意见（不起诉）或公安机关撤案后，本局恢复办理的原移送案件",
    )
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "案件"
        verbose_name_plural = "案件"
        ordering = ["-registered_at", "-id"]
        indexes = [models.Index(fields=["agency", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        unknown = set(self.violation_types) - set(ViolationType.values)
        if unknown:
            raise ValidationError({"violation_types": f"未知的违法类型：{'、'.join(sorted(unknown))}"})

    @property
    def is_open(self) -> bool:
        return self.status not in {CaseStatus.NOT_FILED, CaseStatus.CLOSED}

    @property
    def fine_is_paused(self) -> bool:
        return self.fine_paused_at is not None and self.fine_resumed_at is None

    def get_violation_types_display(self) -> list[str]:
        labels = dict(ViolationType.choices)
        return [labels.get(code, code) for code in self.violation_types]


class SubjectKind(models.TextChoices):
    INSTITUTION = "institution", "定点医疗机构"
    PHARMACY = "pharmacy", "定点零售药店"
    INSURED = "insured", "参保人员"
    PERSON = "person", "其他个人"
    STAFF = "staff", "医药机构相关人员"
    OFFICIAL = "official", "公职人员"


class IdentifierType(models.TextChoices):
    USCC = "uscc", "统一社会信用代码"
    RESIDENT_ID = "resident_id", "居民身份证号码"
    OTHER = "other", "其他证件号码"


ORGANISATION_KINDS = {SubjectKind.INSTITUTION, SubjectKind.PHARMACY}


class Subject(models.Model):
    """A party (当事人) of the case; each carries its own liability track."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.CASCADE, related_name="subjects")
    kind = models.CharField("主体类型", max_length=20, choices=SubjectKind.choices)
    name = models.CharField("名称或姓名", max_length=120)
    identifier_type = models.CharField("证件类型", max_length=20, choices=IdentifierType.choices)
    identifier = models.CharField("证件号码", max_length=40)
    address = models.CharField("地址或住所", max_length=200, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=60, blank=True)
    workplace = models.CharField("工作单位及职务", max_length=120, blank=True)
    amount = models.DecimalField("涉及金额（元）", max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)])
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "identifier_type", "identifier"], name="subject_identifier_once_per_case")
        ]
        indexes = [models.Index(fields=["identifier"], name="subject_identifier")]  # search by a full 身份证号 / 统一社会信用代码

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.identifier = (self.identifier or "").strip().upper()
        if self.kind in ORGANISATION_KINDS and self.identifier_type != IdentifierType.USCC:
            errors["identifier_type"] = "定点医药机构应填写统一社会信用代码。"
        if self.kind not in ORGANISATION_KINDS and self.identifier_type == IdentifierType.USCC:
            errors["identifier_type"] = "个人应填写居民身份证号码或其他证件号码。"
        try:
            if self.identifier_type == IdentifierType.USCC:
                validate_uscc(self.identifier)
            elif self.identifier_type == IdentifierType.RESIDENT_ID:
                validate_resident_id(self.identifier)
        except ValidationError as exc:
            errors["identifier"] = exc.messages[0]
        if errors:
            raise ValidationError(errors)

    @property
    def is_organisation(self) -> bool:
        return self.kind in ORGANISATION_KINDS

class EvidenceKind(models.TextChoices):
    DOCUMENT = "document", "书证"
    PHYSICAL = "physical", "物证"
    ELECTRONIC = "electronic", "电子数据"
    AUDIOVISUAL = "audiovisual", "视听资料"
    RECORD = "record", "询问笔录、现场笔录"
    EXPERT = "expert", "检验报告、鉴定意见"
    OTHER = "other", "其他材料"


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    return f"evidence/{instance.case_id}/{instance.sha256}"


class Evidence(models.Model):
    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField("证据种类", max_length=20, choices=EvidenceKind.choices)
    title = models.CharField("名称", max_length=200)
    description = models.TextField("说明", blank=True)
    file = models.FileField("文件", upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    pages = models.PositiveIntegerField("页数", null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "证据材料"
        verbose_name_plural = "证据材料"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class CaseProcess(Process):
    """The viewflow process of one case (multi-table: a real foreign key to the case)."""

    case = models.OneToOneField(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="process", null=True)

    class Meta:
        verbose_name = "案件办理流程"
        verbose_name_plural = "案件办理流程"

    @property
    def brief(self) -> str:  # shown by viewflow's lists
        return str(self.case) if self.case_id else "（新线索）"


# Who may see a case: guardian direct-FK tables (many rows, indexed joins, no orphans). Each grant carries
# the case's registration time, so the case list reads a page of grants in its own order
# (agencies.visibility) instead of every visible case.
class CaseUserObjectPermission(SortedGrant, UserObjectPermissionBase):
    sort_key_source = "registered_at"
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission", "-sort_key", "-content_object"], name="case_user_grant_order")]


class CaseGroupObjectPermission(SortedGrant, GroupObjectPermissionBase):
    sort_key_source = "registered_at"
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["group", "permission", "-sort_key", "-content_object"], name="case_group_grant_order")]


# China's working-day calendar (domain.md §0 "Holiday calendars run out"); read through casework.calendar.
