"""Inspections (监督检查) of designated institutions: 全覆盖检查, 日常检查, 双随机, 专项检查, 飞行检查.

Domain §3 (SRC-DAILY, SRC-SPECIAL, SRC-FLY), §6.9. One row per visit of one institution; the statistics
count 家 (distinct institutions) and 家次 (visits) by the inspection date (domain §11.3).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from agencies.models import Agency
from agreements.models import Institution, copy_institution_scope


class InspectionKind(models.TextChoices):
    FULL_COVERAGE = "full_coverage", "全覆盖检查"
    DAILY = "daily", "日常检查"
    RANDOM = "random", "“双随机、一公开”检查"
    SPECIAL = "special", "专项检查"
    FLYING = "flying", "飞行检查"


class Inspection(models.Model):
    institution = models.ForeignKey(
        Institution, verbose_name="被检查机构", on_delete=models.PROTECT, related_name="inspections"
    )
    kind = models.CharField("检查类型", max_length=20, choices=InspectionKind.choices)
    inspected_on = models.DateField("检查日期")
    agency = models.ForeignKey(Agency, verbose_name="检查机关", on_delete=models.PROTECT, related_name="+")
    findings = models.TextField("检查发现的问题", help_text="未发现问题的，写明“未发现违法违规问题”")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    # copied from the institution on save: who may read the inspection follows it (agreements.permissions)
    institution_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", editable=False)
    institution_region = models.CharField(max_length=6, editable=False)

    class Meta:
        verbose_name = "监督检查"
        verbose_name_plural = "监督检查"
        ordering = ["-inspected_on", "-id"]
        indexes = [
            models.Index(fields=["inspected_on", "kind"]),
            # the list's order: the holding 经办机构's, a bureau's (its region checked per row)
            models.Index(fields=["institution_agency", "-inspected_on", "-id"], name="inspection_held_order"),
            models.Index(fields=["-inspected_on", "-id"], name="inspection_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "kind", "inspected_on", "agency"], name="one_inspection_per_visit",
                violation_error_message="该机关已登记过同一天对该机构的同类检查。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.get_kind_display()}（{self.inspected_on}）"

    def save(self, *args, **kwargs):
        copy_institution_scope(self, kwargs)
        super().save(*args, **kwargs)
