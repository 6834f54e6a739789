"""Designated institutions and their agreement handling (协议处理); practitioners' payment eligibility (一医一档).

Domain §5.2, §5.3, §6.10. Agreement handling is contractual, taken by the 经办机构 that holds the
agreement; it is not an administrative penalty and runs beside the MSB's case.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from agencies.models import Agency, AgencyKind
from agencies.regions import region_covers
from casework.identifiers import validate_resident_id, validate_uscc
from casework.models import Case


def copy_institution_scope(row: models.Model, save_kwargs: dict) -> None:
    """Copy the institution's 经办机构 and region onto a row seen by whoever sees its institution."""
    row.institution_agency_id, row.institution_region = row.institution.agency_id, row.institution.region_code
    if save_kwargs.get("update_fields") is not None and "institution" in save_kwargs["update_fields"]:
        save_kwargs["update_fields"] = {*save_kwargs["update_fields"], "institution_agency", "institution_region"}


class InstitutionKind(models.TextChoices):
    HOSPITAL = "hospital", "定点医疗机构"
    PHARMACY = "pharmacy", "定点零售药店"


class Organisation(models.Model):
    """Who an institution (or an applicant for designation) is: the fields the re-application bar matches."""

    name = models.CharField("机构名称", max_length=120)
    uscc = models.CharField("统一社会信用代码", max_length=18)
    kind = models.CharField("机构类别", max_length=20, choices=InstitutionKind.choices)
    legal_representative = models.CharField("法定代表人", max_length=60)
    legal_representative_id = models.CharField("法定代表人身份证号码", max_length=18)
    controller = models.CharField("实际控制人", max_length=60, blank=True, help_text="没有自然人实际控制人的（如公立医院）可不填")
    controller_id = models.CharField("实际控制人身份证号码", max_length=18, blank=True)
    region_code = models.CharField(
        "所在地行政区划代码", max_length=6, validators=[RegexValidator(r"^\d{6}$", "行政区划代码应为6位数字。")]
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for field, validate in (
            ("uscc", validate_uscc), ("legal_representative_id", validate_resident_id), ("controller_id", validate_resident_id)
        ):
            value = (getattr(self, field) or "").strip().upper()
            setattr(self, field, value)
            try:
                if value:
                    validate(value)
            except ValidationError as exc:
                errors[field] = exc.messages[0]
        self.controller = (self.controller or "").strip()
        if bool(self.controller) != bool(self.controller_id):
            errors["controller_id"] = "实际控制人的姓名和身份证号码应同时填写；没有自然人实际控制人的，两项都不填。"
        if errors:
            raise ValidationError(errors)


class AgreementStatus(models.TextChoices):
    NORMAL = "normal", "正常"
    SUSPENDED = "suspended", "中止"
    TERMINATED = "terminated", "解除"


class Institution(Organisation):
    """定点医药机构, bound by a 医保协议 with the 经办机构 that holds it."""

    uscc = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, error_messages={"unique": "该统一社会信用代码已登记为定点医药机构。"}
    )
    agency = models.ForeignKey(
        Agency, verbose_name="签约经办机构", on_delete=models.PROTECT, related_name="institutions",
        limit_choices_to={"kind": AgencyKind.HANDLING},
    )
    agreement_start = models.DateField("协议起始日期")
    agreement_end = models.DateField("协议期满日期")
    status = models.CharField("协议状态", max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.NORMAL)
    terminated_on = models.DateField("协议解除日期", null=True, blank=True)
    barred_until = models.DateField("可重新申请定点日期", null=True, blank=True, help_text="此日期前不得申请医保定点")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "定点医药机构"
        verbose_name_plural = "定点医药机构"
        ordering = ["region_code", "name"]
        indexes = [
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["region_code"]),
            # the list's order (agreements.selectors.INSTITUTION_ORDER): the holding 经办机构's, a bureau's region
            models.Index(fields=["agency", "region_code", "name", "id"], name="institution_held_order"),
            models.Index(fields=["region_code", "name", "id"], name="institution_region_order"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        try:
            super().clean()
        except ValidationError as exc:
            errors.update(exc.message_dict)
        agency = self.agency if self.agency_id else None
        if agency is not None and agency.kind != AgencyKind.HANDLING:
            errors.setdefault("agency", []).append("医保协议由医疗保障经办机构签订。")
        elif agency is not None and self.region_code and not region_covers(agency.region_code, self.region_code):
            errors.setdefault("region_code", []).append(f"机构所在地不在{agency.name}的管辖范围（{agency.region_name}）内。")
        if self.agreement_start and self.agreement_end and self.agreement_end <= self.agreement_start:
            errors.setdefault("agreement_end", []).append("协议期满日期应晚于起始日期。")
        if errors:
            raise ValidationError(errors)


class ActionKind(models.TextChoices):
    """The menu of 协议处理 (domain §5.2), lightest first."""

    INTERVIEW = "interview", "约谈"
    RECTIFY = "rectify", "限期整改"
    WITHHOLD = "withhold", "暂停拨付/不予拨付"
    RECOVER = "recover", "追回违规费用"
    PENALTY = "penalty", "违约金"
    SUSPEND_SERVICE = "suspend_service", "中止相关人员或部门医药服务"
    SUSPEND_SETTLEMENT = "suspend_settlement", "暂停结算"
    SUSPEND = "suspend", "中止医保协议"
    TERMINATE = "terminate", "解除医保协议"


MONEY_KINDS = {ActionKind.RECOVER, ActionKind.PENALTY}  # an amount is required
AMOUNT_KINDS = MONEY_KINDS | {ActionKind.WITHHOLD}  # an amount may be given
HEARING_KINDS = {ActionKind.SUSPEND, ActionKind.TERMINATE}  # 陈述、申辩 first (条例 Art. 13); irreversible
ONE_OFF_KINDS = {ActionKind.INTERVIEW, ActionKind.TERMINATE}  # done once recorded


class TerminationGround(models.TextChoices):
    """令第2号 (医疗机构医疗保障定点管理暂行办法) Art. 43; item (5) was not in the source read (domain §5.2)."""

    REPEATED_SUSPENSION = "1", "（一）协议有效期内累计2次及以上被中止医保协议，或中止期间未按要求整改"
    FRAUDULENT_DESIGNATION = "2", "（二）以弄虚作假等不正当手段申请取得医保定点"
    FRAUD_CONFIRMED = "3", "（三）经医疗保障部门和其他有关部门查实有欺诈骗保行为"
    SETTLED_FOR_OTHERS = "4", "（四）为非定点医疗机构或处于中止医保协议期间的医疗机构提供医保费用结算"
    UNREPORTED_CHANGE = "6", "（六）重大信息发生变更但未办理变更"
    UNREPORTED_CLOSURE = "7", "（七）停业或歇业后未按规定向经办机构报告"
    MAJOR_VIOLATION = "8", "（八）监督检查中发现存在重大违法违规行为且可能造成医保基金重大损失"
    LICENCE_REVOKED = "9", "（九）被吊销、注销医疗机构执业许可证"
    HEAD_UNFIT = "10", "（十）法定代表人、主要负责人或实际控制人不能履行医保协议约定，或有违法失信行为"
    PENALTY_UNPERFORMED = "11", "（十一）未依法履行医疗保障行政部门作出的行政处罚决定"
    VOLUNTARY = "12", "（十二）医疗机构主动提出解除医保协议且经办机构同意"
    CONTRACTUAL = "13", "（十三）根据医保协议约定应当解除医保协议"
    OTHER_LEGAL = "14", "（十四）法律法规和规章规定的应当解除的其他情形"


class ActionStatus(models.TextChoices):
    IN_FORCE = "in_force", "执行中"
    RECTIFIED = "rectified", "已整改"
    RESUMED = "resumed", "已恢复"
    ENDED = "ended", "已结束"


class AgreementAction(models.Model):
    """One 协议处理 decision of the 经办机构 against an institution."""

    institution = models.ForeignKey(Institution, verbose_name="定点医药机构", on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField("处理方式", max_length=30, choices=ActionKind.choices)
    decided_on = models.DateField("处理日期")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, verbose_name="经办机构", on_delete=models.PROTECT, related_name="+")
    document_number = models.CharField("处理通知书文号", max_length=60, blank=True)
    facts = models.TextField("违约事实及依据")
    amount = models.DecimalField(
        "金额（元）", max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    rectify_by = models.DateField("整改期限", null=True, blank=True)
    ground = models.CharField("解除依据（令第2号第四十三条）", max_length=2, choices=TerminationGround.choices, blank=True)
    statement_heard = models.BooleanField("已告知并听取陈述、申辩", default=False)
    case = models.ForeignKey(Case, verbose_name="发现问题的案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("执行状态", max_length=20, choices=ActionStatus.choices, default=ActionStatus.IN_FORCE)
    concluded_on = models.DateField("办结日期", null=True, blank=True)
    conclusion = models.TextField("办结情况", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "协议处理"
        verbose_name_plural = "协议处理"
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["kind", "decided_on"])]

    def __str__(self) -> str:
        return f"{self.institution} {self.get_kind_display()}（{self.decided_on}）"

    def clean(self) -> None:
        """What each kind needs; rules about the institution's history are the service's."""
        errors: dict[str, str] = {}
        if self.kind in MONEY_KINDS and not self.amount:
            errors["amount"] = f"{self.get_kind_display()}应填写金额。"
        elif self.amount is not None and self.kind not in AMOUNT_KINDS:
            errors["amount"] = f"{self.get_kind_display()}不涉及金额，请不要填写。"
        if self.kind == ActionKind.RECTIFY and self.rectify_by is None:
            errors["rectify_by"] = "限期整改应填写整改期限。"
        if self.rectify_by and self.decided_on and self.rectify_by <= self.decided_on:
            errors["rectify_by"] = "整改期限应晚于处理日期。"
        if self.kind == ActionKind.TERMINATE and not self.ground:
            errors["ground"] = "解除医保协议应选择解除依据（令第2号第四十三条）。"
        elif self.ground and self.kind != ActionKind.TERMINATE:
            errors["ground"] = "只有解除医保协议需要选择解除依据。"
        if self.kind in HEARING_KINDS:
            if not self.statement_heard:
                errors["statement_heard"] = (
                    f"{self.get_kind_display()}前，应当告知定点医药机构并听取其陈述、申辩"
                    "（《医疗保障基金使用监督管理条例》第十三条）。"
                )
            if not self.document_number.strip():
                errors["document_number"] = f"{self.get_kind_display()}应填写处理通知书文号。"
        if errors:
            raise ValidationError(errors)


class PaymentStatus(models.TextChoices):
    """医保支付资格 (医保发〔2024〕23号, domain §5.3)."""

    NORMAL = "normal", "正常"
    SUSPENDED = "suspended", "暂停"
    TERMINATED = "terminated", "终止"


class Practitioner(models.Model):
    """一医一档: one record per person, whichever institution and region they work in."""

    name = models.CharField("姓名", max_length=60)
    id_number = models.CharField("身份证号码", max_length=18, unique=True, validators=[validate_resident_id])
    institution = models.ForeignKey(
        Institution, verbose_name="登记备案机构", on_delete=models.PROTECT, related_name="practitioners"
    )
    status = models.CharField("医保支付资格", max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.NORMAL)
    suspended_until = models.DateField("暂停期满恢复日期", null=True, blank=True)
    terminated_on = models.DateField("终止日期", null=True, blank=True)
    registration_barred_until = models.DateField(
        "可再次登记备案日期", null=True, blank=True, help_text="此日期前不得在任何定点医药机构再次登记备案"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # who may see the record follows the institution (agreements.permissions): its 经办机构 and region,
    # copied on save (an institution's are never changed) so that an index serves the list
    institution_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", editable=False)
    institution_region = models.CharField(max_length=6, editable=False)

    class Meta:
        verbose_name = "定点医药机构相关人员"
        verbose_name_plural = "定点医药机构相关人员"
        ordering = ["name", "id"]
        indexes = [  # the list's order (agreements.selectors.PRACTITIONER_ORDER): the holding 经办机构's, a bureau's
            models.Index(fields=["institution_agency", "name", "id"], name="practitioner_held_order"),
            models.Index(fields=["name", "id"], name="practitioner_name_order"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        copy_institution_scope(self, kwargs)
        super().save(*args, **kwargs)

    def status_on(self, day: date) -> str:
        """The status as it stands on `day`: a suspension ends by itself when its period is over."""
        if self.status == PaymentStatus.SUSPENDED and self.suspended_until is not None and day >= self.suspended_until:
            return PaymentStatus.NORMAL
        return self.status

    @property
    def status_today(self) -> str:
        return self.status_on(timezone.localdate())

    def is_barred_on(self, day: date) -> bool:
        return (
            self.status == PaymentStatus.TERMINATED
            and self.registration_barred_until is not None
            and day < self.registration_barred_until
        )


MAX_POINTS = 12


class PointRecord(models.Model):
    """记分: 1–3 / 4–6 / 7–9 / 10–12 points by severity; totals run per calendar year of the 记分日期."""

    practitioner = models.ForeignKey(Practitioner, verbose_name="人员", on_delete=models.PROTECT, related_name="point_records")
    event_date = models.DateField("记分日期", help_text="按记分日期所在自然年度累计，每年清零")
    points = models.PositiveSmallIntegerField(
        "记分分值", validators=[MinValueValidator(1, "记分为1至12分。"), MaxValueValidator(MAX_POINTS, "记分为1至12分。")]
    )
    reason = models.TextField("记分事由")
    institution = models.ForeignKey(Institution, verbose_name="发生机构", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, verbose_name="记分经办机构", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, verbose_name="相关案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "记分记录"
        verbose_name_plural = "记分记录"
        ordering = ["-event_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gte=1, points__lte=MAX_POINTS), name="points_between_1_and_12")
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} {self.event_date} {self.points}分"


class DesignationApplication(Organisation):
    """定点申请 received by a 经办机构; refused at the door while a terminated institution's bar runs."""

    received_on = models.DateField("受理日期")
    agency = models.ForeignKey(Agency, verbose_name="受理经办机构", on_delete=models.PROTECT, related_name="+")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "定点申请"
        verbose_name_plural = "定点申请"
        ordering = ["-received_on", "-id"]
        indexes = [  # the list's order: the receiving 经办机构's, and everyone's (a bureau's region is checked per row)
            models.Index(fields=["agency", "-received_on", "-id"], name="application_held_order"),
            models.Index(fields=["-received_on", "-id"], name="application_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.received_on}）"
