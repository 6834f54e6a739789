"""A connected system and the leads it pushed."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models

from agencies.models import Agency
from casework.models import Case

TOKEN_PREFIX = "lb_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_new() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ConnectedSystem(models.Model):
    """A system of an agency: a bureau's may push leads to it; any agency's may read where the referrals
    sent to that agency stand. Only the token's SHA-256 is stored: the token is
    shown once, when it is made, and a lost one is replaced, never recovered."""

    name = models.CharField("系统名称", max_length=100, help_text="如“12393医保服务热线系统”“省医保智能监管平台”。")
    agency = models.ForeignKey(Agency, verbose_name="所属机关", on_delete=models.PROTECT, related_name="+",
                               help_text="医疗保障局的系统可推送线索；各机关的系统可查询送达本机关的移送的状态。")
    active = models.BooleanField("启用", default=True, help_text="停用后该系统的令牌立即失效。")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField("令牌开头", max_length=12, editable=False, help_text="用于核对是哪一个令牌，不能用于调用。")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近调用时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "接入系统"
        verbose_name_plural = "接入系统"
        ordering = ["agency", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.agency.short_name}）"

    def token_set(self) -> str:
        """A new token for the system (the old one stops working); returns it — the only time it is seen."""
        token = token_new()
        self.token_digest, self.token_hint = token_digest(token), token[:10]
        return token


class LeadStatus(models.TextChoices):
    PENDING = "pending", "待签收"
    ACCEPTED = "accepted", "已签收登记"
    RETURNED = "returned", "已退回"


class SubmittedLead(models.Model):
    """One lead a system pushed, as it was sent; once signed for, the case registered from it."""

    system = models.ForeignKey(ConnectedSystem, verbose_name="接入系统", on_delete=models.PROTECT, related_name="leads")
    agency = models.ForeignKey(Agency, verbose_name="医疗保障局", on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField("幂等键", max_length=100)
    payload = models.JSONField("线索内容")
    payload_digest = models.CharField(max_length=64)
    status = models.CharField("状态", max_length=20, choices=LeadStatus.choices, default=LeadStatus.PENDING)
    received_at = models.DateTimeField("接收时间")
    case = models.OneToOneField(Case, verbose_name="登记的案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签收人", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    handled_at = models.DateTimeField("签收或退回时间", null=True, blank=True)
    return_reason = models.CharField("退回理由", max_length=500, blank=True)

    class Meta:
        verbose_name = "接入线索"
        verbose_name_plural = "接入线索"
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["system", "idempotency_key"], name="submitted_lead_once_per_key")]
        indexes = [models.Index(fields=["agency", "status", "-received_at"], name="submitted_lead_queue")]

    def __str__(self) -> str:
        return self.payload.get("title", "")

    @property
    def title(self) -> str:
        return self.payload.get("title", "")
