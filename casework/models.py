"""Cases, their parties (subjects) and evidence, and the case process."""

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


class PenaltyKind(models.TextChoices):
    """What an administrative decision of the MSB imposes on one party (条例 Art. 38–41; 行政处罚法 Art. 9)."""

    WARNING = "warning", "警告"
    FINE = "fine", "罚款"
    REFUND = "refund", "责令退回"
    CONFISCATE = "confiscate", "没收违法所得"
    SUSPEND_SERVICE = "suspend_service", "责令暂停相关责任部门涉及医保基金使用的医药服务"
    SUSPEND_SETTLEMENT = "suspend_settlement", "暂停医疗费用联网结算"


# 责令退回 restores the fund's loss; it is not one of the penalties of 行政处罚法 Art. 9. A decision that
# only orders a refund is counted in the refunded amount, not among the parties given a penalty.
NOT_PENALTY_KINDS = frozenset({PenaltyKind.REFUND})
ORGANISATION_ONLY_KINDS = frozenset({PenaltyKind.SUSPEND_SERVICE})  # 条例 Art. 38
PERSON_ONLY_KINDS = frozenset({PenaltyKind.SUSPEND_SETTLEMENT})  # 条例 Art. 41: 暂停联网结算 3–12 months


class PenaltyDecision(models.Model):
    """One 行政处罚（处理）决定 of the bureau against one party of the case, recorded at 行政处理."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="penalties")
    subject = models.ForeignKey(Subject, verbose_name="被处罚当事人", on_delete=models.PROTECT, related_name="penalties")
    # Required, but checked in clean() with messages that say what is missing.
    document_number = models.CharField("决定书文号", max_length=60, blank=True)
    decided_on = models.DateField("决定日期")
    kinds = models.JSONField("处罚种类", default=list, blank=True)
    fine_amount = models.DecimalField(
        "罚款金额（元）", max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    refund_amount = models.DecimalField(
        "责令退回金额（元）", max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "行政处罚决定"
        verbose_name_plural = "行政处罚决定"
        ordering = ["decided_on", "id"]
        indexes = [models.Index(fields=["decided_on"])]

    def __str__(self) -> str:
        return f"{self.document_number} {self.subject}"

    @property
    def is_penalty(self) -> bool:
        """At least one kind is an administrative penalty (not only 责令退回)."""
        return bool(set(self.kinds) - NOT_PENALTY_KINDS)

    def get_kinds_display(self) -> list[str]:
        labels = dict(PenaltyKind.choices)
        return [labels.get(code, code) for code in self.kinds]

    def clean(self) -> None:
        """What each kind needs; rules about the case (its parties, its dates) are the service's."""
        errors: dict[str, str] = {}
        kinds = list(dict.fromkeys(self.kinds or []))
        unknown = set(kinds) - set(PenaltyKind.values)
        if not kinds:
            errors["kinds"] = "请选择处罚种类。"
        elif unknown:
            errors["kinds"] = f"未知的处罚种类：{'、'.join(sorted(unknown))}"
        self.kinds = [kind for kind in PenaltyKind.values if kind in kinds]  # one order, whatever was ticked
        self.document_number = (self.document_number or "").strip()
        if not self.document_number:
            errors["document_number"] = "请填写决定书文号。"
        for field, kind in (("fine_amount", PenaltyKind.FINE), ("refund_amount", PenaltyKind.REFUND)):
            amount, label = getattr(self, field), PenaltyKind(kind).label
            if kind in kinds and not amount:
                errors[field] = f"{label}应填写金额（大于0元）。"
            elif amount is not None and kind not in kinds:
                errors[field] = f"未选择“{label}”，请不要填写{label}金额。"
        subject = self.subject if self.subject_id else None
        if subject is not None and "kinds" not in errors:
            wrong = PERSON_ONLY_KINDS if subject.is_organisation else ORGANISATION_ONLY_KINDS
            misplaced = [PenaltyKind(kind).label for kind in kinds if kind in wrong]
            if misplaced:
                whom = "个人" if subject.is_organisation else "定点医药机构"
                errors["kinds"] = f"“{'、'.join(misplaced)}”只适用于{whom}，{subject.name}是{subject.get_kind_display()}。"
        if errors:
            raise ValidationError(errors)


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


# Who may see a case: guardian direct-FK tables (many rows, indexed joins, no orphans).
# Who may see a case. Each grant carries the case's registration time, so the case list reads a
# page of grants in its own order (agencies.visibility) instead of every visible case.
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
class HolidayYear(models.Model):
    """One year of the State Council's holiday schedule; a year without a row cannot be counted in working days."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "已确认（依据国务院办公厅通知）"
        PROVISIONAL = "provisional", "暂定（尚未公布）"

    year = models.PositiveSmallIntegerField("年度", primary_key=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PROVISIONAL)
    source = models.CharField("依据", max_length=200, blank=True, help_text="如“国办发明电〔2025〕7号”；由程序从 chinese-calendar 导入的年度以“chinese-calendar”开头。")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年（{self.get_status_display()}）"

    def clean(self) -> None:
        if self.status == self.Status.CONFIRMED and not self.source.strip():
            raise ValidationError({"source": "已确认的年度请填写依据，如国务院办公厅通知的文号。"})


class CalendarDay(models.Model):
    """An exception to "Monday–Friday work, Saturday–Sunday rest": a weekday holiday or a weekend make-up working day."""

    date = models.DateField("日期", primary_key=True)
    is_working_day = models.BooleanField("是否工作日", help_text="不勾选：周一至周五放假；勾选：周六、周日调休上班。")
    name = models.CharField("名称", max_length=40, blank=True, help_text="如“国庆节”“国庆节调休上班”。")

    class Meta:
        verbose_name = "节假日与调休日"
        verbose_name_plural = "节假日与调休日"
        ordering = ["date"]

    def __str__(self) -> str:
        kind = "上班" if self.is_working_day else "放假"
        return f"{self.date:%Y-%m-%d} {self.name or kind}"

    def clean(self) -> None:
        if self.date is None or self.is_working_day is None:
            return
        day = f"{self.date.year}年{self.date.month}月{self.date.day}日（星期{'一二三四五六日'[self.date.weekday()]}）"
        weekend = self.date.weekday() >= 5
        if self.is_working_day and not weekend:
            raise ValidationError(
                {"is_working_day": f"{day}本来就是工作日，无需录入。只有周六、周日调休上班的日子才登记为工作日。"}
            )
        if not self.is_working_day and weekend:
            raise ValidationError(
                {"is_working_day": f"{day}本来就是休息日，无需录入。只需登记落在周一至周五的放假日。"}
            )
        if not HolidayYear.objects.filter(year=self.date.year).exists():
            raise ValidationError({"date": f"请先在“节假日安排”中建立{self.date.year}年度，再录入该年的日期。"})


# --- statutory clocks -----------------------------------------------------------------------------


class ClockUnit(models.TextChoices):
    HOURS = "hours", "小时"
    CALENDAR_DAYS = "calendar_days", "日"
    WORKING_DAYS = "working_days", "个工作日"
    MONTHS = "months", "个月"


class DecisionExtension(models.TextChoices):
    """How the 90-day decision limit is extended (casework.case_clocks; 令第4号 Art. 45, SECONDARY)."""

    HEAD = "head", "案情复杂，经负责人批准延长"
    COLLECTIVE = "collective", "经负责人集体讨论决定继续延长"


class DeadlineStatus(models.TextChoices):
    RUNNING = "running", "计时中"
    PAUSED = "paused", "已暂停"
    MET = "met", "已按期办结"
    BREACHED = "breached", "已超期"
    CANCELLED = "cancelled", "已撤销"


OPEN_DEADLINE_STATUSES = (DeadlineStatus.RUNNING, DeadlineStatus.PAUSED)


class DeadlineQuerySet(models.QuerySet):
    def about(self, target: models.Model) -> "DeadlineQuerySet":
        """The clocks about one object (a case, a referral, a supervision …)."""
        return self.filter(target_type=target._meta.label_lower, target_id=str(target.pk))

    def overdue(self) -> "DeadlineQuerySet":
        """Past due and still not done (a late finish records met_at and leaves this set)."""
        return self.filter(status=DeadlineStatus.BREACHED, met_at__isnull=True)


class Deadline(models.Model):
    """One legal clock: started by an event, due after an amount of a unit, warned and breached once."""

    objects = DeadlineQuerySet.as_manager()

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.CASCADE, related_name="deadlines")
    code = models.CharField("期限代码", max_length=60)
    title = models.CharField("期限事项", max_length=100)
    legal_basis = models.CharField("法律依据", max_length=200)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=40)
    agency = models.ForeignKey(Agency, verbose_name="责任机关", on_delete=models.PROTECT, related_name="deadlines")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="责任人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_event = models.CharField("起算事件", max_length=100)
    url = models.CharField("办理页面", max_length=200)
    started_at = models.DateTimeField("起算时间")
    amount = models.PositiveIntegerField("期限")
    unit = models.CharField("单位", max_length=20, choices=ClockUnit.choices)
    due_at = models.DateTimeField("届满时间")
    warn_at = models.DateTimeField("预警时间")
    provisional = models.BooleanField("按暂定节假日计算", default=False)
    status = models.CharField("状态", max_length=20, choices=DeadlineStatus.choices, default=DeadlineStatus.RUNNING)
    paused_at = models.DateTimeField("暂停时间", null=True, blank=True)
    warned_at = models.DateTimeField("已预警", null=True, blank=True)
    breached_at = models.DateTimeField("已超期", null=True, blank=True)
    met_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "法定期限"
        verbose_name_plural = "法定期限"
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["status", "warn_at"], name="deadline_warn_due"),
            models.Index(fields=["status", "due_at"], name="deadline_breach_due"),
            models.Index(fields=["target_type", "target_id", "code"], name="deadline_target"),
            # 我的工作 by due date walks an agency's open clocks soonest first (casework.worklist_due)
            models.Index(fields=["agency", "due_at", "id"], name="deadline_agency_open_due",
                         condition=models.Q(status__in=OPEN_DEADLINE_STATUSES)),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.amount}{self.get_unit_display()}）"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DEADLINE_STATUSES

    @property
    def period_label(self) -> str:
        return f"{self.amount}{self.get_unit_display()}"


class DeadlineExtension(models.Model):
    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="extensions")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="批准人", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("延长理由")
    previous_due_at = models.DateTimeField("原届满时间")
    new_due_at = models.DateTimeField("新届满时间")
    # How new_due_at was counted, so a change of the holiday table can count it again
    # (casework.calendar_changes); empty for an extension to a date approved as such.
    amount = models.PositiveIntegerField("延长期限", null=True, blank=True)
    unit = models.CharField("单位", max_length=20, choices=ClockUnit.choices, blank=True)
    from_due = models.BooleanField("自原届满时间起算", default=False, help_text="否：自期限起算时间起重新计算总期限。")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "期限延长"
        verbose_name_plural = "期限延长"
        ordering = ["created_at", "id"]


class DeadlinePause(models.Model):
    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="pauses")
    reason = models.TextField("暂停理由")
    paused_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    paused_at = models.DateTimeField("暂停时间")
    resumed_at = models.DateTimeField("恢复时间", null=True, blank=True)

    class Meta:
        verbose_name = "期限暂停"
        verbose_name_plural = "期限暂停"
        ordering = ["paused_at", "id"]


class EscalationProcess(Process):
    """超期督办: the head's task when a clock of their agency is breached."""

    deadline = models.OneToOneField(Deadline, verbose_name="超期期限", on_delete=models.PROTECT, related_name="escalation", null=True)
    measures = models.TextField("督办措施", blank=True)

    class Meta:
        verbose_name = "超期督办"
        verbose_name_plural = "超期督办"


def paper_scan_upload_to(instance: "PaperRecord", filename: str) -> str:
    return f"paper/{instance.agency_id}/{instance.sha256}"


class PaperRecord(models.Model):
    """代录 (agencies.recording): a step an agency not on Lianban took on paper, entered by a clerk of
    the agency that records for it, with the scanned document and the time it was really taken."""

    task = models.OneToOneField("viewflow.Task", verbose_name="办理步骤", on_delete=models.PROTECT, related_name="paper_record")
    agency = models.ForeignKey(Agency, verbose_name="办理机关", on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField("纸质办理时间")
    reference = models.CharField("纸质文书", max_length=200)
    scan = models.FileField("扫描件", upload_to=paper_scan_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "代录记录"
        verbose_name_plural = "代录记录"
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"代录：{self.agency.short_name} {self.reference}"


class PaymentKind(models.TextChoices):
    """What a payment pays of a penalty decision."""

    FINE = "fine", "罚款"
    REFUND = "refund", "退回医保基金"


class PenaltyPayment(models.Model):
    """追回到账: money a penalty decision ordered, as it actually came in — one row a receipt
    (casework.payments). The decision says what is owed; these rows say what was paid."""

    decision = models.ForeignKey(PenaltyDecision, verbose_name="处罚决定", on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField("款项", max_length=10, choices=PaymentKind.choices)
    amount = models.DecimalField("到账金额（元）", max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    paid_on = models.DateField("到账日期")
    receipt_number = models.CharField("缴款凭证号", max_length=60, help_text="非税收入缴款书号或银行回单号。")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "追回到账"
        verbose_name_plural = "追回到账"
        ordering = ["paid_on", "id"]
        indexes = [models.Index(fields=["paid_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} 元（{self.receipt_number}）"


class HitVerdict(models.TextChoices):
    """核查结论 of a big-data screening hit, as the feedback up the hierarchy reports it (逐条反馈)."""

    CONFIRMED = "confirmed", "属实"
    PARTLY = "partly", "部分属实"
    UNFOUNDED = "unfounded", "不属实"


class ScreeningHit(models.Model):
    """大数据模型筛查 (domain §3, SRC-BIGDATA): one suspicious settlement of an imported list, kept
    with the lead it was registered under, so that each hit is checked and fed back one by one
    (逐条核查、逐条反馈) and a list imported twice registers nothing twice (casework.screening)."""

    agency = models.ForeignKey(Agency, verbose_name="导入机关", on_delete=models.PROTECT, related_name="+")
    hit_id = models.CharField("线索编号", max_length=64)
    model_name = models.CharField("筛查模型", max_length=60, blank=True)
    institution = models.CharField("定点医药机构", max_length=200)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    insured_name = models.CharField("参保人姓名", max_length=60, blank=True)
    insured_id = models.CharField("身份证号", max_length=18, blank=True)
    settled_on = models.DateField("结算日期", null=True, blank=True)
    amount = models.DecimalField("涉及金额（元）", max_digits=14, decimal_places=2)
    description = models.TextField("疑点描述")
    case = models.ForeignKey(Case, verbose_name="登记为线索", on_delete=models.PROTECT, related_name="screening_hits")
    source_file = models.CharField("来源文件", max_length=255)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    # 逐条核查、逐条反馈 (casework.screening_feedback): empty until the hit is checked
    verdict = models.CharField("核查结论", max_length=12, choices=HitVerdict.choices, blank=True)
    confirmed_amount = models.DecimalField("核实违规金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    check_note = models.TextField("核查情况", blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核查人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField("反馈时间", null=True, blank=True)

    class Meta:
        verbose_name = "大数据筛查疑点"
        verbose_name_plural = "大数据筛查疑点"
        ordering = ["case", "hit_id"]
        constraints = [models.UniqueConstraint(fields=["agency", "hit_id"], name="screening_hit_once_per_agency")]

    def __str__(self) -> str:
        return f"{self.hit_id} {self.institution}"
