"""Referrals (case → receiving agency), their package, receipt and decision; issued letters."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from viewflow.workflow.models import Process

from agencies.models import Agency, AgencyKind
from agencies.visibility import SortedGrant
from casework.models import Case, Evidence

DEFAULT_SUSPECTED_OFFENCE = "诈骗罪（《中华人民共和国刑法》第二百六十六条）"


class ReferralKind(models.TextChoices):
    CRIMINAL_TRANSFER = "criminal_transfer", "涉嫌犯罪案件移送"
    HEALTH = "health", "线索移送卫生健康部门"
    MARKET = "market", "线索移送市场监管部门"
    DISCIPLINE = "discipline", "问题线索移送纪检监察机关"
    PROCURATORATE = "procuratorate", "线索移送人民检察院"
    SETTLEMENT_SUSPENSION = "settlement_suspension", "通知经办机构暂停医保基金结算（条例第三十条）"
    REVERSE_TRANSFER = "reverse_transfer", "公安机关反向移送"
    PROC_OPINION = "proc_opinion", "检察意见"
    ASSIGNED_CLUE = "assigned_clue", "上级交办线索"
    FLY_HANDOVER = "fly_handover", "飞行检查移交"
    AGENCY_HANDOVER = "agency_handover", "经办机构移交"


# Who may send each kind of incoming referral to the bureau (domain §3, §6.5, §6.6c, §7).
INCOMING_SENDERS = {
    ReferralKind.REVERSE_TRANSFER: AgencyKind.PSB,
    ReferralKind.PROC_OPINION: AgencyKind.PROCURATORATE,
    ReferralKind.ASSIGNED_CLUE: AgencyKind.MSB,  # from a higher bureau (上级交办)
    ReferralKind.FLY_HANDOVER: AgencyKind.MSB,  # from the national or provincial bureau after a 飞行检查
    ReferralKind.AGENCY_HANDOVER: AgencyKind.HANDLING,  # suspected fraud found in 协议管理
}
FROM_HIGHER_BUREAU = {ReferralKind.ASSIGNED_CLUE, ReferralKind.FLY_HANDOVER}

# Who receives each kind of clue referral (domain §6.7–6.8), and its letter's kind.
CLUE_RECEIVERS = {
    ReferralKind.HEALTH: AgencyKind.HEALTH,
    ReferralKind.MARKET: AgencyKind.MARKET,
    ReferralKind.DISCIPLINE: AgencyKind.DISCIPLINE,
    ReferralKind.PROCURATORATE: AgencyKind.PROCURATORATE,
    ReferralKind.SETTLEMENT_SUSPENSION: AgencyKind.HANDLING,
}


class ReferralStatus(models.TextChoices):
    PREPARING = "preparing", "准备移送材料"
    PENDING_APPROVAL = "pending_approval", "待负责人审批"
    REFUSED = "refused", "负责人不批准移送"
    SENT = "sent", "已移送，待签收"
    RECEIPTED = "receipted", "已签收，审查中"
    FILED = "filed", "公安机关已立案，待移交涉案物品"
    HANDED_OVER = "handed_over", "涉案物品已移交，移送办结"
    DECLINED = "declined", "公安机关不予立案，待移送机关决定"
    RECONSIDERING = "reconsidering", "提请复议中"
    UPHELD = "upheld", "复议维持不予立案，待移送机关决定"
    SUPERVISING = "supervising", "检察机关立案监督中"
    DECLINE_ACCEPTED = "decline_accepted", "接受不予立案决定，移送办结"
    FEEDBACK_RECEIVED = "feedback_received", "已反馈处理结果"
    REPLIED = "replied", "已书面答复，待对方签收"
    PROGRESS_REPORTED = "progress_reported", "已报送处理进度，办结后书面报告"
    CLOSED = "closed", "已办结"
    NOT_TRACKED = "not_tracked", "不再跟踪"


class FilingDecision(models.TextChoices):
    FILE = "file", "立案"
    DECLINE = "decline", "不予立案"
    FORWARD = "forward", "不属本机关管辖，转送有管辖权的机关"


class ReviewExtension(models.TextChoices):
    """How far the police may extend the 3-day review (公安机关办理刑事案件程序规定; domain §6.3)."""

    TEN_DAYS = "10", "延长至10日（经济犯罪案件）"
    THIRTY_DAYS = "30", "延长至30日（重大、疑难、复杂或跨区域案件，经县级以上公安机关负责人批准）"
    PLUS_THIRTY = "+30", "再延长30日（特殊情况，经上级公安机关批准）"


CLOSED_STATUSES = {
    ReferralStatus.REFUSED, ReferralStatus.HANDED_OVER, ReferralStatus.DECLINE_ACCEPTED, ReferralStatus.CLOSED,
    ReferralStatus.NOT_TRACKED,
}


class DeclineResponse(models.TextChoices):
    """What the bureau does with a 不予立案 (310 Art. 9–10): accept, ask for 复议, or go to the procuratorate."""

    ACCEPT = "accept", "接受不予立案决定，依法继续行政处理"
    RECONSIDER = "reconsider", "提请作出决定的公安机关复议"
    SUPERVISE = "supervise", "建议人民检察院依法进行立案监督"


class ReconsiderationDecision(models.TextChoices):
    FILE = "file", "撤销不予立案决定，立案侦查"
    UPHOLD = "uphold", "维持不予立案决定"


class SupervisionOutcome(models.TextChoices):
    REASONS_VALID = "reasons_valid", "不立案理由成立"
    FILING_ORDERED = "filing_ordered", "不立案理由不成立，通知公安机关立案"


class Referral(models.Model):
    # Outgoing referrals belong to a case from the start; an incoming one (反向移送, 检察意见) gets the
    # bureau's new case when the bureau signs for it.
    case = models.ForeignKey(Case, verbose_name="案件", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField("移送类型", max_length=30, choices=ReferralKind.choices, default=ReferralKind.CRIMINAL_TRANSFER)
    from_agency = models.ForeignKey(Agency, verbose_name="移送机关", on_delete=models.PROTECT, related_name="referrals_sent")
    to_agency = models.ForeignKey(
        Agency, verbose_name="接收机关", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals_received"
    )
    status = models.CharField("状态", max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PREPARING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # The transfer package (310 Art. 6): what the receiving agency sees.
    case_title = models.CharField("案件名称", max_length=200, blank=True)
    facts = models.TextField("涉嫌犯罪事实", blank=True)
    amount = models.DecimalField("涉案金额（元）", max_digits=14, decimal_places=2, default=Decimal("0"))
    suspected_offence = models.CharField("涉嫌罪名", max_length=120, default=DEFAULT_SUSPECTED_OFFENCE)
    investigation_report = models.TextField("涉嫌犯罪案件情况的调查报告", blank=True)
    task_force = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="专案组成员", blank=True, related_name="+")
    seized_items = models.JSONField("涉案物品清单", default=list, blank=True)
    contact_name = models.CharField("联系人", max_length=60, blank=True)
    contact_phone = models.CharField("联系电话", max_length=40, blank=True)

    # Head's approval (310 Art. 5: within 3 days of the report).
    submitted_at = models.DateTimeField("提请审批时间", null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    approval_opinion = models.TextField("审批意见", blank=True)

    sent_at = models.DateTimeField("移送时间", null=True, blank=True)

    # 回执 (310 Art. 7), to the minute.
    receipt_signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    receipt_signer_title = models.CharField("签收人职务", max_length=60, blank=True)
    received_at = models.DateTimeField("签收时间", null=True, blank=True)
    items_received = models.PositiveIntegerField("收到材料件数", null=True, blank=True)

    # Filing decision (310 Art. 8).
    decision = models.CharField("审查决定", max_length=10, choices=FilingDecision.choices, blank=True)
    decision_reason = models.TextField("不予立案理由", blank=True)
    files_returned = models.BooleanField("已退回案卷材料", default=False)
    decision_document_number = models.CharField("立案/不予立案通知书文号", max_length=60, blank=True)
    police_case_number = models.CharField("公安机关案件编号", max_length=60, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)

    # Clue referrals (health, market, discipline, procuratorate): the request and the receiver's feedback.
    confidential = models.BooleanField("保密", default=False, help_text="纪检监察问题线索：仅列明的人员可见")
    named_officers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="知悉人员", blank=True, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="指定接收人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    persons_involved = models.TextField("涉及人员及单位、职务", blank=True)
    request = models.TextField("请求事项", blank=True)
    feedback = models.TextField("处理结果反馈", blank=True)
    feedback_document_number = models.CharField("反馈函文号", max_length=60, blank=True)
    feedback_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    feedback_at = models.DateTimeField("反馈时间", null=True, blank=True)
    # Incoming referrals: the sender's document, and the bureau's written reply (复函).
    origin = models.ForeignKey(
        "self", verbose_name="原移送", null=True, blank=True, on_delete=models.PROTECT, related_name="returns",
        help_text="公安机关立案后撤销案件、反向移送的，指向原涉嫌犯罪案件移送",
    )
    incoming_number = models.CharField("来文文号", max_length=60, blank=True)
    incoming_issued_on = models.DateField("来文日期", null=True, blank=True)
    reply = models.TextField("书面答复的处理结果", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    reply_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reply_confirmed_at = models.DateTimeField("答复签收时间", null=True, blank=True)
    # 飞行检查移交: after the progress report, a written report within 5 working days of completion (令第6号).
    handling_completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    final_report = models.TextField("书面报告的查处及整改情况", blank=True)
    final_reported_at = models.DateTimeField("书面报告时间", null=True, blank=True)
    untracked_reason = models.TextField("不再跟踪的理由", blank=True)
    untracked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    closed_at = models.DateTimeField("办结时间", null=True, blank=True)  # set whenever the referral ends, however it ends

    class Meta:
        verbose_name = "移送"
        verbose_name_plural = "移送"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["to_agency", "status"]), models.Index(fields=["from_agency", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.case_title or self.case.title}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class ReferralForward(models.Model):
    """The police found they lack jurisdiction and passed the case on (310 Art. 7); the referral follows."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="forwards")
    from_agency = models.ForeignKey(Agency, verbose_name="转出机关", on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(Agency, verbose_name="转至机关", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("转送理由")
    received_at = models.DateTimeField("原签收时间")
    forwarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    forwarded_at = models.DateTimeField("转送时间")

    class Meta:
        verbose_name = "转送记录"
        verbose_name_plural = "转送记录"
        ordering = ["forwarded_at", "id"]


class Reconsideration(models.Model):
    """提请复议 (310 Art. 9): requested within 3 days of the 不予立案通知书, decided within 3 days."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="reconsideration")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("提请时间")
    reasons = models.TextField("提请复议的理由")
    new_evidence = models.TextField("新的证据材料", blank=True)
    letter = models.ForeignKey("IssuedDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("复议决定时间", null=True, blank=True)
    decision = models.CharField("复议决定", max_length=10, choices=ReconsiderationDecision.choices, blank=True)
    decision_number = models.CharField("复议决定书文号", max_length=60, blank=True)
    decision_reasons = models.TextField("复议理由", blank=True)

    class Meta:
        verbose_name = "提请复议"
        verbose_name_plural = "提请复议"


class SupervisionProposal(models.Model):
    """立案监督 (310 Art. 9; 高检发释字〔2001〕4号): the procuratorate asks the police for their reasons
    (answered within 7 days) and may order them to file (within 15 days)."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="supervision")
    procuratorate = models.ForeignKey(Agency, verbose_name="人民检察院", on_delete=models.PROTECT, related_name="+")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField("提出时间")
    reasons = models.TextField("应当立案的理由")
    letter = models.ForeignKey("IssuedDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    explanation_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    explanation_requested_at = models.DateTimeField("要求说明理由时间", null=True, blank=True)
    explanation_request_number = models.CharField("要求说明不立案理由通知书文号", max_length=60, blank=True)
    explained_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    explained_at = models.DateTimeField("说明理由时间", null=True, blank=True)
    explanation = models.TextField("不立案理由说明", blank=True)
    outcome = models.CharField("监督结论", max_length=20, choices=SupervisionOutcome.choices, blank=True)
    outcome_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome_at = models.DateTimeField("监督结论时间", null=True, blank=True)
    outcome_number = models.CharField("通知立案书文号", max_length=60, blank=True)
    outcome_opinion = models.TextField("审查意见", blank=True)

    class Meta:
        verbose_name = "立案监督"
        verbose_name_plural = "立案监督"


class Handover(models.Model):
    """移交涉案物品 (310 Art. 12): within 3 days of the 立案通知书, on a 交接清单 both sides sign."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="handover")
    items = models.JSONField("物品", default=list)
    handed_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    handed_over_at = models.DateTimeField("移交时间")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField("接收确认时间", null=True, blank=True)
    letter = models.ForeignKey("IssuedDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "涉案物品移交"
        verbose_name_plural = "涉案物品移交"


class PackageItem(models.Model):
    """One piece of evidence in the package, with the hash it had when the package was made (the manifest)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="package_items")
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(max_length=64)
    verified_at = models.DateTimeField("核对时间", null=True, blank=True)
    verified_ok = models.BooleanField("与清单一致", null=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["referral", "evidence"], name="evidence_once_per_package")]


class IssuedDocumentManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().defer("content")  # the file is read only when downloaded


class IssuedDocument(models.Model):
    """An issued official document: numbered, immutable, stored with its SHA-256. A correction is a new document."""

    agency = models.ForeignKey(Agency, verbose_name="发文机关", on_delete=models.PROTECT, related_name="+")
    family = models.CharField("文书类别代字", max_length=10, blank=True)  # blank: an attachment without a 文号
    year = models.PositiveSmallIntegerField("年度")
    serial = models.PositiveIntegerField("序号", null=True, blank=True)
    number = models.CharField("文号", max_length=60, unique=True, null=True, blank=True)
    title = models.CharField("标题", max_length=200)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="documents")
    filename = models.CharField(max_length=200)
    content = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    objects = IssuedDocumentManager()

    class Meta:
        base_manager_name = "objects"
        verbose_name = "已签发文书"
        verbose_name_plural = "已签发文书"
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["agency", "family", "year", "serial"], name="serial_once_per_register")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ReferralProcess(Process):
    referral = models.OneToOneField(Referral, verbose_name="移送", on_delete=models.PROTECT, related_name="process", null=True)

    class Meta:
        verbose_name = "移送流程"
        verbose_name_plural = "移送流程"

    @property
    def brief(self) -> str:
        return str(self.referral) if self.referral_id else "（新移送）"


# Who may see a referral; each grant carries the referral's creation time for the list's order
# (agencies.visibility).
class ReferralUserObjectPermission(SortedGrant, UserObjectPermissionBase):
    sort_key_source = "created_at"
    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission", "-sort_key", "-content_object"], name="referral_user_grant_order")]


class ReferralGroupObjectPermission(SortedGrant, GroupObjectPermissionBase):
    sort_key_source = "created_at"
    content_object = models.ForeignKey(Referral, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["group", "permission", "-sort_key", "-content_object"], name="referral_group_grant_order")]
