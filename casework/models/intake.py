"""What comes in on paper (代录) and from big-data screening lists."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from agencies.models import Agency
from casework.models.cases import Case


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


class ScreeningImportState(models.TextChoices):
    PENDING = "pending", "待导入"
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ScreeningImport(models.Model):
    """One confirmed import of a screening list, run out of the request (casework.screening_jobs): the
    leads still to register are kept here as the preview grouped them, so that whichever process runs
    the job — the web process that took the upload, or a worker after that process died — needs no
    file, and `done` / `total` is the progress the officer watches."""

    agency = models.ForeignKey(Agency, verbose_name="导入机关", on_delete=models.PROTECT, related_name="+")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="+")
    source_file = models.CharField("来源文件", max_length=255)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    state = models.CharField("状态", max_length=12, choices=ScreeningImportState.choices, default=ScreeningImportState.PENDING)
    # [{"institution", "uscc", "hits": [{"hit_id", …, "amount": "12.50", "settled_on": "2026-10-03"}]}]; emptied when done
    groups = models.JSONField("待登记的线索", default=list, blank=True)
    groups_done = models.PositiveIntegerField("已处理的线索组", default=0)
    total = models.PositiveIntegerField("待导入疑点（条）", default=0)
    done = models.PositiveIntegerField("已处理疑点（条）", default=0)
    hits_created = models.PositiveIntegerField("已导入疑点（条）", default=0)
    imported_before = models.PositiveIntegerField("此前已导入（条）", default=0)
    case_ids = models.JSONField("已登记的线索", default=list, blank=True)
    runner = models.CharField("执行者", max_length=32, blank=True)  # a random token per run: who holds the job
    heartbeat = models.DateTimeField("最近进展", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    error = models.TextField("错误信息", blank=True)

    class Meta:
        verbose_name = "大数据筛查导入"
        verbose_name_plural = "大数据筛查导入"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "heartbeat"], name="screening_import_state_idx")]

    def __str__(self) -> str:
        return f"{self.source_file}（{self.get_state_display()}）"

    @property
    def finished(self) -> bool:
        return self.state in (ScreeningImportState.DONE, ScreeningImportState.FAILED)
