"""挂牌督办 (domain §9): a higher bureau lists a lower unit's major case and follows it to 销号."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from viewflow.workflow.models import Process

from agencies.models import Agency
from casework.models import Case
from referral.models import IssuedDocument


class SupervisionStatus(models.TextChoices):
    PROPOSED = "proposed", "报请挂牌，待督办机关决定"
    DECLINED = "declined", "不予挂牌督办"
    ACTIVE = "active", "督办中"
    REVIEW = "review", "结案报告待审核"
    CLOSED = "closed", "已审核销号"
    REVOKED = "revoked", "已撤销督办"


OPEN_STATUSES = (SupervisionStatus.PROPOSED, SupervisionStatus.ACTIVE, SupervisionStatus.REVIEW)


class ProposalSource(models.TextChoices):
    LOWER = "lower", "承办单位报请"
    MEETING = "meeting", "联席会议决议"
    HIGHER = "higher", "上级机关决定"


class Criterion(models.TextChoices):
    """Why a case is listed (domain §9.2; UNCONFIRMED criteria drawn from practice)."""

    AMOUNT = "amount", "涉案金额巨大"
    GANG = "gang", "团伙作案"
    CROSS_REGION = "cross_region", "跨区域"
    IMPACT = "impact", "社会影响重大或媒体曝光"
    OFFICIALS = "officials", "涉及公职人员"
    INSTRUCTION = "instruction", "领导批示"


class Supervision(models.Model):
    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="supervisions")
    supervisor = models.ForeignKey(Agency, verbose_name="督办机关", on_delete=models.PROTECT, related_name="supervisions_held")
    co_supervisor = models.ForeignKey(
        Agency, verbose_name="联合督办机关", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="医保、公安联合挂牌督办的，填写同级公安机关",
    )
    status = models.CharField("状态", max_length=20, choices=SupervisionStatus.choices, default=SupervisionStatus.PROPOSED)
    source = models.CharField("提出方式", max_length=20, choices=ProposalSource.choices)
    criteria = models.JSONField("挂牌理由", default=list)
    reason = models.TextField("情况说明")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField("提出时间", auto_now_add=True)

    # The decision and the 挂牌督办通知书 (T5).
    issue = models.TextField("督办事项", blank=True)
    requirements = models.TextField("督办要求", blank=True)
    due_on = models.DateField("督办时限", null=True, blank=True)
    report_every_months = models.PositiveSmallIntegerField("进展报告周期（月）", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decision_opinion = models.TextField("决定意见", blank=True)
    notice = models.ForeignKey(IssuedDocument, verbose_name="挂牌督办通知书", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    # The handling unit's 查处方案, then the supervisor's escalation ladder and the end.
    plan = models.TextField("查处方案", blank=True)
    plan_submitted_at = models.DateTimeField("方案报送时间", null=True, blank=True)
    ladder_step = models.PositiveSmallIntegerField("已采取的督办措施级数", default=0)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    revoked_reason = models.TextField("撤销督办的理由", blank=True)

    class Meta:
        verbose_name = "挂牌督办"
        verbose_name_plural = "挂牌督办"
        ordering = ["-proposed_at", "-id"]
        indexes = [  # the list's branches, each read newest first (supervision.selectors.supervision_pages_for_user)
            models.Index(fields=["supervisor", "-proposed_at", "-id"], name="supervision_held_order"),
            models.Index(fields=["co_supervisor", "-proposed_at", "-id"], name="supervision_coheld_order"),
            models.Index(fields=["case", "-proposed_at", "-id"], name="supervision_case_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status__in=[s.value for s in OPEN_STATUSES]), name="one_open_supervision_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"挂牌督办：{self.case.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def get_criteria_display(self) -> list[str]:
        labels = dict(Criterion.choices)
        return [labels.get(code, code) for code in self.criteria]


class ReportKind(models.TextChoices):
    PROGRESS = "progress", "进展报告"
    FINAL = "final", "结案报告"


class SupervisionReport(models.Model):
    """T10: what the handling unit tells the supervisor, per track, with its own 文号."""

    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField("报告类型", max_length=10, choices=ReportKind.choices)
    period_from = models.DateField("报告期起")
    period_to = models.DateField("报告期止")
    administrative = models.TextField("行政处罚进展")
    agreement = models.TextField("协议处理进展", blank=True)
    criminal = models.TextField("刑事案件进展（公安案号、强制措施、抓获人数）", blank=True)
    referrals = models.TextField("其他移送情况", blank=True)
    recovered = models.DecimalField("追回医保基金（元）", max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)])
    fines = models.DecimalField("罚款（元）", max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)])
    problems = models.TextField("存在的问题和需要协调的事项", blank=True)
    next_steps = models.TextField("下一步工作（结案报告：对各当事人的最终处理结果）", blank=True)
    typical = models.BooleanField("可作为典型案例公开曝光", default=False)
    document = models.ForeignKey(IssuedDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("报送时间", auto_now_add=True)
    accepted = models.BooleanField("审核结论", null=True, blank=True)
    review_opinion = models.TextField("审核意见", blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "督办报告"
        verbose_name_plural = "督办报告"
        ordering = ["submitted_at", "id"]


class SupervisionAction(models.Model):
    """催办, and each step up the escalation ladder (约谈, 通报批评, 提级办理 … a setting)."""

    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="actions")
    measure = models.CharField("督办措施", max_length=40)
    reason = models.TextField("事由")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "督办措施"
        verbose_name_plural = "督办措施"
        ordering = ["taken_at", "id"]


class SupervisionProcess(Process):
    supervision = models.OneToOneField(Supervision, verbose_name="挂牌督办", on_delete=models.PROTECT, related_name="process", null=True)

    class Meta:
        verbose_name = "挂牌督办流程"
        verbose_name_plural = "挂牌督办流程"

    @property
    def brief(self) -> str:
        return str(self.supervision) if self.supervision_id else "（挂牌督办）"
