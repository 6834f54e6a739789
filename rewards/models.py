"""举报奖励: the reward standards (奖励标准, per region and date) and one reward per tip-off case."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from casework.models import Case

NATIONAL = ""  # a standard with no region applies wherever no regional one does


class RewardPolicy(models.Model):
    """One 举报奖励标准: from its effective date until the next one of its region, the reward is a share of
    the case value, counted tier by tier (分段累加), and kept between a minimum and a maximum.

    National rule (医保办发〔2022〕22号, in force 2023-01-01): at least 200 元, at most 200,000 元, the
    ratios set by each province; the 2018 regime capped it at 100,000 元 (domain.md §6.11)."""

    region_code = models.CharField(
        "适用地区代码", max_length=12, blank=True, db_index=True,
        help_text="行政区划代码的前缀，如“32”为江苏省、“3211”为镇江市；留空为全国通用。同一案件适用代码最长的标准。",
    )
    region_name = models.CharField("适用地区", max_length=60, default="全国")
    name = models.CharField("依据", max_length=200, help_text="如《违法违规使用医疗保障基金举报奖励办法》（医保办发〔2022〕22号）及本省实施细则。")
    effective_from = models.DateField("施行日期")
    effective_until = models.DateField("废止日期", null=True, blank=True, help_text="留空为现行有效。")
    tiers = models.JSONField(
        "奖励比例（分段累加）",
        help_text='按案值由低到高逐段填写，每段为上限（元）和比例（%），最后一段上限为 null，'
                  '如 [{"upto": 100000, "rate": 6}, {"upto": 1000000, "rate": 4}, {"upto": null, "rate": 2}]。',
    )
    minimum = models.DecimalField("最低奖励（元）", max_digits=12, decimal_places=2, default=Decimal("200.00"),
                                  validators=[MinValueValidator(0)])
    maximum = models.DecimalField("最高奖励（元）", max_digits=12, decimal_places=2, default=Decimal("200000.00"),
                                  validators=[MinValueValidator(0)])
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "举报奖励标准"
        verbose_name_plural = "举报奖励标准"
        ordering = ["region_code", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["region_code", "effective_from"], name="reward_policy_region_from")]

    def __str__(self) -> str:
        return f"{self.region_name} {self.effective_from:%Y-%m-%d}起：{self.name}"

    def segments(self) -> list[tuple[Decimal | None, Decimal]]:
        """The tiers as (upper bound in 元 or None for the last, rate in %); ValidationError names what is wrong."""
        if not isinstance(self.tiers, list) or not self.tiers:
            raise ValidationError({"tiers": "请至少填写一段奖励比例。"})
        segments, previous = [], Decimal("0")
        for number, tier in enumerate(self.tiers, start=1):
            try:
                upto = None if tier.get("upto") is None else Decimal(str(tier["upto"]))
                rate = Decimal(str(tier["rate"]))
            except (AttributeError, KeyError, InvalidOperation, TypeError):
                raise ValidationError({"tiers": f"第{number}段应写作 {{\"upto\": 上限或 null, \"rate\": 比例}}。"}) from None
            if not Decimal("0") < rate <= Decimal("100"):
                raise ValidationError({"tiers": f"第{number}段的比例应大于 0、不超过 100（单位：%）。"})
            last = number == len(self.tiers)
            if upto is None and not last:
                raise ValidationError({"tiers": f"只有最后一段的上限可以为 null（第{number}段不是最后一段）。"})
            if upto is not None and last:
                raise ValidationError({"tiers": "最后一段的上限应为 null（案值超过前一段上限的部分）。"})
            if upto is not None and upto <= previous:
                raise ValidationError({"tiers": f"第{number}段的上限应高于上一段（{previous} 元）。"})
            segments.append((upto, rate))
            previous = upto if upto is not None else previous
        return segments

    def clean(self) -> None:
        self.segments()
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValidationError({"maximum": "最高奖励不能低于最低奖励。"})
        if self.effective_until and self.effective_from and self.effective_until < self.effective_from:
            raise ValidationError({"effective_until": "废止日期不能早于施行日期。"})


class RewardStatus(models.TextChoices):
    CALCULATED = "calculated", "已核定，待审批"
    APPROVED = "approved", "已批准，待告知举报人"
    NOTIFIED = "notified", "已告知，待领取"
    PAID = "paid", "已发放"
    WAIVED = "waived", "逾期未领取，视为放弃"
    INELIGIBLE = "ineligible", "不予奖励"


# A reward may be assessed again while nobody has approved it (more money came in, an error in the note).
ASSESSABLE = (RewardStatus.CALCULATED, RewardStatus.INELIGIBLE)


class PayMethod(models.TextChoices):
    """Non-cash payment is preferred (2018 暂行办法); cash remains possible."""

    BANK = "bank", "银行转账"
    OTHER_NON_CASH = "non_cash", "其他非现金方式"
    CASH = "cash", "现金"


class Reward(models.Model):
    """The reward of one tip-off case. It holds nothing of who the reporter is: the reporter stays in
    the case's confidential fields, and the claimant's identity is checked on paper and recorded as checked."""

    case = models.OneToOneField(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="reward")
    status = models.CharField("状态", max_length=20, choices=RewardStatus.choices)
    policy = models.ForeignKey(RewardPolicy, verbose_name="适用标准", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    policy_date = models.DateField("确定标准的日期", null=True, blank=True)
    basis = models.DecimalField("案值（查实追回医保基金，元）", max_digits=14, decimal_places=2, default=Decimal("0.00"))
    amount = models.DecimalField("奖励金额（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    calculation = models.JSONField("计算过程", default=list, blank=True)
    assessment = models.TextField("核定意见")
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核定人", on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField("核定时间")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    approval_opinion = models.CharField("审批意见", max_length=500, blank=True)
    notified_on = models.DateField("告知日期", null=True, blank=True)
    notice_channel = models.CharField("告知方式", max_length=20, blank=True)
    claim_due_on = models.DateField("领取期限", null=True, blank=True)
    paid_on = models.DateField("发放日期", null=True, blank=True)
    pay_method = models.CharField("发放方式", max_length=10, choices=PayMethod.choices, blank=True)
    voucher_number = models.CharField("发放凭证号", max_length=60, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "举报奖励"
        verbose_name_plural = "举报奖励"
        ordering = ["-assessed_at"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["paid_on"])]

    def __str__(self) -> str:
        return f"{self.case.number} 举报奖励（{self.get_status_display()}）"
