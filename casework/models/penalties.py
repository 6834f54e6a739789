"""行政处罚决定 of a case and the money they order, as it comes in (追回到账)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from casework.models.cases import Case, Subject


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
    # The deciding bureau (the decision's case's), kept here so a receipt is unique per bureau in the database.
    agency = models.ForeignKey("agencies.Agency", verbose_name="作出决定的机关", on_delete=models.PROTECT, related_name="+",
                               editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "追回到账"
        verbose_name_plural = "追回到账"
        ordering = ["paid_on", "id"]
        indexes = [models.Index(fields=["paid_on"])]
        constraints = [models.UniqueConstraint(fields=["agency", "receipt_number"], name="payment_receipt_once_per_agency")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} 元（{self.receipt_number}）"
