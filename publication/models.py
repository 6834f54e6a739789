"""One typical-case publication per case."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from casework.models import Case


class PublicationStatus(models.TextChoices):
    PROPOSED = "proposed", "拟曝光，待审批"
    APPROVED = "approved", "已批准，待发布"
    PUBLISHED = "published", "已曝光"
    WITHDRAWN = "withdrawn", "已撤回"
    REFUSED = "refused", "不予曝光"


# The text may be edited and proposed again until the head has approved it.
EDITABLE = (PublicationStatus.PROPOSED, PublicationStatus.REFUSED)


class Channel(models.TextChoices):
    WEBSITE = "website", "门户网站"
    WECHAT = "wechat", "微信公众号"
    PRESS = "press", "新闻发布会"
    MEDIA = "media", "新闻媒体"


class TypicalCase(models.Model):
    """The public text holds no person's name and no ID: it is checked on every save (publication.redaction),
    also against a name typed back in by hand. The case's own records stay as they are."""

    case = models.OneToOneField(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="publication")
    status = models.CharField("状态", max_length=20, choices=PublicationStatus.choices)
    headline = models.CharField("公开标题", max_length=120)
    text = models.TextField("公开文本（已脱敏）")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="拟稿人", on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField("拟稿时间")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    opinion = models.CharField("审批意见", max_length=500, blank=True)
    published_on = models.DateField("发布日期", null=True, blank=True)
    channel = models.CharField("发布渠道", max_length=20, choices=Channel.choices, blank=True)
    location = models.CharField("发布位置", max_length=300, blank=True, help_text="网页链接，或刊发的媒体、版面。")
    decision_changed_on = models.DateField("处罚决定变更或撤销日期", null=True, blank=True)
    decision_change_note = models.CharField("变更或撤销情况", max_length=500, blank=True)
    withdrawn_on = models.DateField("撤回日期", null=True, blank=True)
    withdraw_reason = models.CharField("撤回理由", max_length=500, blank=True)

    class Meta:
        verbose_name = "典型案例曝光"
        verbose_name_plural = "典型案例曝光"
        ordering = ["-proposed_at"]
        indexes = [models.Index(fields=["published_on"])]

    def __str__(self) -> str:
        return self.headline
