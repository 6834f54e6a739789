"""联席会议 (domain §8): the mechanism, its meetings, and the resolutions (议定事项) each member owes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from viewflow.workflow.models import Process

from agencies.models import Agency
from casework.models import Case


class Mechanism(models.Model):
    name = models.CharField("机制名称", max_length=100)
    convenor = models.CharField("召集人", max_length=100, help_text="如：市政府分管副市长")
    convenor_agency = models.ForeignKey(Agency, verbose_name="召集单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lead_agency = models.ForeignKey(Agency, verbose_name="牵头单位", on_delete=models.PROTECT, related_name="mechanisms_led")
    office = models.ForeignKey(Agency, verbose_name="联席会议办公室", on_delete=models.PROTECT, related_name="+",
                               help_text="负责筹备会议、印发纪要，一般设在医疗保障局")
    members = models.ManyToManyField(Agency, verbose_name="成员单位", through="Membership", related_name="mechanisms")
    frequency = models.CharField("会议频次", max_length=40, blank=True, help_text="如：每季度一次（未见统一规定）")
    charter_number = models.CharField("制度文件文号", max_length=60, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "联席会议机制"
        verbose_name_plural = "联席会议机制"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    mechanism = models.ForeignKey(Mechanism, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, verbose_name="成员单位", on_delete=models.PROTECT)
    liaison = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="联络员", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "成员单位"
        verbose_name_plural = "成员单位"
        constraints = [models.UniqueConstraint(fields=["mechanism", "agency"], name="member_once_per_mechanism")]


class MeetingKind(models.TextChoices):
    PLENARY = "plenary", "全体会议"
    EXPANDED = "expanded", "扩大会议"
    SPECIAL = "special", "专题会议"
    CASE_CONSULTATION = "case_consultation", "重大案件会商"
    LIAISON = "liaison", "联络员会议"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "筹备中"
    ISSUED = "issued", "纪要已印发"


class Meeting(models.Model):
    mechanism = models.ForeignKey(Mechanism, verbose_name="联席会议", on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField("会议类型", max_length=20, choices=MeetingKind.choices)
    title = models.CharField("会议名称", max_length=120)
    held_at = models.DateTimeField("会议时间")
    venue = models.CharField("会议地点", max_length=100)
    chair = models.CharField("主持人", max_length=100)
    status = models.CharField("状态", max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    cases = models.ManyToManyField(Case, verbose_name="研究的案件", blank=True, related_name="meetings")
    heard = models.TextField("会议听取了", blank=True)
    views = models.TextField("会议认为", blank=True)
    distribution = models.CharField("分送", max_length=300, blank=True)
    # The 纪要 (T9): numbered by issue (期号) in the office's register, stored as issued.
    issue_year = models.PositiveSmallIntegerField("纪要年度", null=True, blank=True)
    issue_serial = models.PositiveIntegerField("纪要期号", null=True, blank=True)
    minutes = models.BinaryField("会议纪要", null=True, editable=False)
    minutes_sha256 = models.CharField(max_length=64, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-held_at", "-id"]
        indexes = [  # each mechanism's meetings newest first (meetings.selectors.meeting_pages_for_user)
            models.Index(fields=["mechanism", "-held_at", "-id"], name="meeting_mechanism_order"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def issue_label(self) -> str:
        return f"{self.issue_year}年第{self.issue_serial}期" if self.issue_serial else ""


class AgendaItem(models.Model):
    """议题: a case to study, an overdue or blocked resolution of an earlier meeting, or a topic."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    order = models.PositiveSmallIntegerField("序号")
    title = models.CharField("议题", max_length=200)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    carried = models.ForeignKey("Resolution", verbose_name="前次会议议定事项", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["order", "id"]


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    OBSERVER = "observer", "列席"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    agency = models.ForeignKey(Agency, verbose_name="单位", on_delete=models.PROTECT)
    name = models.CharField("姓名", max_length=40)
    post = models.CharField("职务", max_length=60)
    status = models.CharField("出席情况", max_length=10, choices=AttendanceStatus.choices)

    class Meta:
        ordering = ["status", "id"]


class ResolutionKind(models.TextChoices):
    DECISION = "decision", "决定事项"
    TASK = "task", "工作任务"
    CASE = "case", "案件会商意见"
    POLICY = "policy", "制度建设"


class ResolutionStatus(models.TextChoices):
    OPEN = "open", "待落实"
    IN_PROGRESS = "in_progress", "落实中"
    DONE = "done", "已办结"
    BLOCKED = "blocked", "无法落实（与依法作出的决定冲突）"


class Resolution(models.Model):
    """议定事项: 牵头单位, 配合单位, 完成时限 (a date, or 长期坚持)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="resolutions")
    number = models.PositiveSmallIntegerField("序号")
    text = models.TextField("议定事项")
    kind = models.CharField("类型", max_length=20, choices=ResolutionKind.choices, default=ResolutionKind.TASK)
    owner = models.ForeignKey(Agency, verbose_name="牵头单位", on_delete=models.PROTECT, related_name="resolutions_owned")
    co_agencies = models.ManyToManyField(Agency, verbose_name="配合单位", blank=True, related_name="resolutions_supported")
    due_on = models.DateField("完成时限", null=True, blank=True)
    ongoing = models.BooleanField("长期坚持", default=False)
    case = models.ForeignKey(Case, verbose_name="涉及案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    propose_supervision = models.BooleanField("提请上级挂牌督办", default=False)
    status = models.CharField("状态", max_length=20, choices=ResolutionStatus.choices, default=ResolutionStatus.OPEN)
    evidence = models.TextField("办结情况及佐证", blank=True)
    blocked_reason = models.TextField("无法落实的理由", blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "议定事项"
        verbose_name_plural = "议定事项"
        ordering = ["meeting__held_at", "number"]

    def __str__(self) -> str:
        return f"{self.meeting.title} 第{self.number}项"

    @property
    def deadline_label(self) -> str:
        return "长期坚持" if self.ongoing else f"{self.due_on:%Y年%-m月%-d日}前"

    @property
    def is_settled(self) -> bool:
        return self.status in (ResolutionStatus.DONE, ResolutionStatus.BLOCKED)

    @property
    def is_overdue(self) -> bool:
        return not self.is_settled and not self.ongoing and self.due_on is not None and self.due_on < timezone.localdate()


class ResolutionUpdate(models.Model):
    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="updates")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("落实进展")
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["posted_at", "id"]


class ResolutionProcess(Process):
    resolution = models.OneToOneField(Resolution, verbose_name="议定事项", on_delete=models.PROTECT, related_name="process", null=True)

    class Meta:
        verbose_name = "议定事项落实"
        verbose_name_plural = "议定事项落实"

    @property
    def brief(self) -> str:
        return str(self.resolution) if self.resolution_id else "（议定事项）"
