"""The holiday calendar and the statutory clocks (法定期限) of cases, with their extensions, pauses and 超期督办."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from viewflow.workflow.models import Process

from agencies.models import Agency
from casework.models.cases import Case


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


class AssignedClueExtension(models.TextChoices):
    """How far a 交办 may run past its 30 working days (2018 national practice; domain §3 SRC-ASSIGN),
    signed for in Lianban (referral.incoming) or entered by hand (casework.source_reply)."""

    HEAD = "head", "情况复杂，经本单位负责人批准延长（自收到之日起3个月）"
    COLLECTIVE = "collective", "特别重大案件，经集体研究延长（自收到之日起原则上不超过6个月）"


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
