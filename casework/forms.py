"""Forms for case tasks and pages. Validation of business rules stays in services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.contrib.auth import get_user_model
from django.utils import timezone

from agencies.models import Agency
from agencies.selectors import officer_list
from casework import uploads
from casework.models import (
    AssignedClueExtension, Case, CaseSource, DecisionExtension, EvidenceKind, Handling, HitVerdict, ParallelReferral, PaymentKind, PenaltyKind, Subject,
    ViolationType,
)
from casework.source_clocks import HANDOFF_SOURCES, INCOMING_NUMBER_MAX_LENGTH, REPLY_NUMBER_MAX_LENGTH

User = get_user_model()

# Free text (opinions, findings, reasons) is bounded: a form refuses more with a Chinese message,
# and the textarea (maxlength) stops typing there.
LONG_TEXT_MAX_LENGTH = 20_000


class LongTextField(forms.CharField):
    """Free text in a textarea, at most LONG_TEXT_MAX_LENGTH characters."""

    widget = forms.Textarea

    def __init__(self, *, max_length: int = LONG_TEXT_MAX_LENGTH, **kwargs):
        super().__init__(max_length=max_length, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]
        self.validators.append(MaxLengthValidator(
            max_length, message="内容过长：最多 %(limit_value)d 个字，现有 %(show_value)d 个字。请精简后再提交。"
        ))


# Dates are accepted within these years: 0001-01-01 or 9999-12-31 parse, but no period or deadline
# computed from them would fit a date (OverflowError), and no record of ours is dated there.
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2100, 12, 31)


def within_supported_dates(value: date | datetime | None) -> None:
    """A form validator: refuse a date outside EARLIEST_DATE..LATEST_DATE with a Chinese message."""
    day = value.date() if isinstance(value, datetime) else value
    if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            f"日期应在 {EARLIEST_DATE:%Y-%m-%d} 至 {LATEST_DATE:%Y-%m-%d} 之间，请检查年份。", code="date_out_of_range"
        )



def day_field(label: str) -> forms.DateField:
    """A required day, today by default, in the calendar the app can count (steps recorded after a case)."""
    return forms.DateField(label=label, initial=timezone.localdate, widget=forms.DateInput(format="%Y-%m-%d"),
                           input_formats=["%Y-%m-%d"], validators=[within_supported_dates],
                           error_messages={"required": f"请填写{label}。"})

def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one, else on top."""
    items = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
    for field, messages in items:
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class OfficerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        officer = user.officer
        badge = f"，执法证号 {officer.badge_number}" if officer.badge_number else ""
        return f"{officer.display_name}（{officer.get_role_display()}{badge}）"


def officers_of(agency: Agency):
    return User.objects.filter(pk__in=officer_list(agency=agency).values("user_id")).select_related("officer").order_by("username")


HANDOFF_HELP = "线索来源为" + "、".join(CaseSource(source).label for source in CaseSource if source in HANDOFF_SOURCES) + "的"


class RegisterLeadForm(forms.Form):
    title = forms.CharField(label="案件名称", max_length=200, help_text="例如：××医院涉嫌骗取医保基金案")
    source = forms.ChoiceField(label="线索来源", choices=CaseSource.choices)
    source_detail = forms.CharField(label="来源说明", max_length=200, required=False, help_text="举报编号、交办文号、模型名称等")
    # 代录 of a handoff from an agency not on Lianban: required for those sources (casework.hand_intake)
    incoming_number = forms.CharField(
        label="来文文号", max_length=INCOMING_NUMBER_MAX_LENGTH, required=False,
        help_text=f"{HANDOFF_HELP}必填：反向移送函、检察意见书、交办单、移交函等的文号",
    )
    incoming_issued_on = forms.DateField(
        label="来文日期", required=False, widget=forms.DateInput(format="%Y-%m-%d"), input_formats=["%Y-%m-%d"],
        validators=[within_supported_dates], help_text=f"{HANDOFF_HELP}必填：来文的成文日期，不晚于今天",
    )
    incoming_received_on = forms.DateField(
        label="收文日期", required=False, widget=forms.DateInput(format="%Y-%m-%d"), input_formats=["%Y-%m-%d"],
        validators=[within_supported_dates], help_text=f"{HANDOFF_HELP}必填：本局收到来文的日期，办理期限自该日起算",
    )
    summary = LongTextField(label="线索摘要")
    violation_types = forms.MultipleChoiceField(label="初步判断的违法类型", choices=ViolationType.choices, required=False)
    amount_involved = forms.DecimalField(label="初步涉案金额（元）", min_value=Decimal("0"), max_digits=14, decimal_places=2, initial=Decimal("0"))
    reporter_real_name = forms.BooleanField(label="实名举报（须在作出是否立案决定后5个工作日内告知举报人）", required=False)
    reporter_name = forms.CharField(label="举报人姓名（保密）", max_length=60, required=False)
    reporter_contact = forms.CharField(label="举报人联系方式（保密）", max_length=100, required=False)


class VerifyLeadForm(forms.Form):
    propose_filing = forms.TypedChoiceField(
        label="核查结论", coerce=lambda v: v == "yes", choices=[("yes", "提请立案"), ("no", "建议不予立案")]
    )
    opinion = LongTextField(label="核查意见")


class FileCaseForm(forms.Form):
    approve = forms.TypedChoiceField(label="审批结论", coerce=lambda v: v == "yes", choices=[("yes", "同意立案"), ("no", "不予立案")])
    investigators = OfficerChoiceField(label="执法人员（不少于2名）", queryset=User.objects.none(), required=False)
    opinion = LongTextField(label="审批意见")

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["investigators"].queryset = officers_of(case.agency)


class InvestigationForm(forms.Form):
    findings = LongTextField(label="调查认定的事实")
    amount_involved = forms.DecimalField(label="涉案金额（元）", min_value=Decimal("0"), max_digits=14, decimal_places=2)
    violation_types = forms.MultipleChoiceField(label="违法类型", choices=ViolationType.choices)
    proposed_handling = forms.ChoiceField(label="拟处理意见", choices=Handling.choices)
    handling_reason = LongTextField(label="理由")


class DecisionForm(forms.Form):
    handling = forms.ChoiceField(label="处理决定", choices=Handling.choices)
    also_refer_to = forms.MultipleChoiceField(
        label="同时移送其他机关（各自独立办理，全部办结或标记不再跟踪后方可结案）", choices=ParallelReferral.choices,
        required=False,  # viewflow's frontend has no element for CheckboxSelectMultiple: keep the default widget
    )
    opinion = LongTextField(label="负责人意见")


class SubjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, subject) -> str:
        return f"{subject.name}（{subject.get_kind_display()}）"


class PenaltyForm(forms.Form):
    """One row of the penalty decisions table; a row left blank is not a decision."""

    subject = SubjectChoiceField(label="被处罚当事人", queryset=Subject.objects.none(), empty_label="—")
    document_number = forms.CharField(label="决定书文号", max_length=60, help_text="如：镇医保罚〔2026〕3号")
    decided_on = forms.DateField(
        label="决定日期", initial=timezone.localdate, widget=forms.DateInput(format="%Y-%m-%d"), input_formats=["%Y-%m-%d"],
        validators=[within_supported_dates],
    )
    kinds = forms.MultipleChoiceField(label="处罚种类", choices=PenaltyKind.choices, widget=forms.CheckboxSelectMultiple)
    fine_amount = forms.DecimalField(label="罚款金额（元）", min_value=Decimal("0"), max_digits=14, decimal_places=2, required=False)
    refund_amount = forms.DecimalField(
        label="责令退回金额（元）", min_value=Decimal("0"), max_digits=14, decimal_places=2, required=False
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = case.subjects.order_by("id")

    def has_changed(self) -> bool:
        """A row is blank when nothing but the prefilled date is there."""
        return any(self[name].data not in (None, "", []) for name in self.fields if name != "decided_on")


PenaltyFormSet = forms.formset_factory(PenaltyForm, extra=3, max_num=30)
PENALTY_PREFIX = "penalties"


class OutcomeForm(forms.Form):
    """行政处理: the outcome in words, and a table of the penalty decisions it contains (formset "penalties").

    A POST without the table's management fields records the outcome text alone."""

    outcome = LongTextField(
        label="行政处理结果", help_text="处罚决定书文号、罚款及责令退回金额、协议处理措施等"
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        bound = self.is_bound and f"{PENALTY_PREFIX}-TOTAL_FORMS" in self.data
        self.penalties = PenaltyFormSet(
            self.data if bound else None, prefix=PENALTY_PREFIX, form_kwargs={"case": case}
        )

    def is_valid(self) -> bool:
        return super().is_valid() & (not self.penalties.is_bound or self.penalties.is_valid())

    def penalty_rows(self) -> list[PenaltyForm]:
        """The filled-in rows of a valid table (none when the table was not posted)."""
        if not (self.penalties.is_bound and self.penalties.is_valid()):
            return []
        return [row for row in self.penalties if row.cleaned_data]

    def clean(self):
        data = super().clean()
        data["penalties"] = [row.cleaned_data for row in self.penalty_rows()]
        return data


class SubjectForm(forms.ModelForm):
    class Meta:
        model = Subject
        fields = ["kind", "name", "identifier_type", "identifier", "address", "legal_representative", "workplace", "amount"]


class EvidenceFileField(forms.FileField):
    """A file within LIANBAN_EVIDENCE_MAX_BYTES; its content is checked by services.evidence_add (casework.uploads)."""

    def to_python(self, data):
        if isinstance(data, uploads.RefusedUpload):  # stopped at the size limit while the body was read
            raise ValidationError(data.refusal, code="too_large")
        upload = super().to_python(data)
        if upload is not None and upload.size > uploads.max_upload_bytes():
            raise ValidationError(uploads.too_large_message(), code="too_large")
        return upload


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label="证据种类", choices=EvidenceKind.choices)
    title = forms.CharField(label="名称", max_length=200)
    description = LongTextField(label="说明", required=False)
    pages = forms.IntegerField(label="页数", min_value=1, max_value=1_000_000, required=False)
    upload = EvidenceFileField(label="文件")


class EscalationForm(forms.Form):
    measures = LongTextField(
        label="督办措施", help_text="如：约谈承办人、责令限期办结、报告上级机关等"
    )


class ReporterNoticeForm(forms.Form):
    channel = forms.ChoiceField(label="告知方式", choices=[(c, c) for c in ("电话", "短信", "书面", "当面")])
    notified_at = forms.DateTimeField(
        label="告知时间", widget=forms.DateTimeInput(format="%Y-%m-%d %H:%M"), input_formats=["%Y-%m-%d %H:%M"], validators=[within_supported_dates]
    )


class HitCheckForm(forms.Form):
    """逐条反馈 of one big-data screening hit (casework.screening_feedback.screening_hit_check)."""

    verdict = forms.ChoiceField(label="核查结论", choices=HitVerdict.choices, widget=forms.RadioSelect,
                                error_messages={"required": "请选择核查结论：属实、部分属实或不属实。"})
    confirmed_amount = forms.DecimalField(
        label="核实违规金额（元）", required=False, min_value=Decimal("0"), max_digits=14, decimal_places=2,
        help_text="属实或部分属实的，填写核实的违规金额；不属实的不填。",
    )
    note = LongTextField(label="核查情况", help_text="如何核查的（调取病历、现场检查、询问参保人……），发现了什么或为何排除。",
                         error_messages={"required": "请填写核查情况：如何核查的，发现了什么或为何排除。"})


class PaymentForm(forms.Form):
    """追回到账 of a penalty decision (casework.payments.payment_record)."""

    kind = forms.ChoiceField(label="款项", choices=PaymentKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "请选择款项：罚款或退回医保基金。"})
    amount = forms.DecimalField(label="到账金额（元）", min_value=Decimal("0.01"), max_digits=14, decimal_places=2,
                                error_messages={"required": "请填写到账金额（大于 0 元）。"})
    paid_on = forms.DateField(label="到账日期", widget=forms.DateInput(format="%Y-%m-%d"), input_formats=["%Y-%m-%d"],
                              validators=[within_supported_dates], error_messages={"required": "请填写到账日期。"})
    receipt_number = forms.CharField(label="缴款凭证号", max_length=60, help_text="非税收入缴款书号或银行回单号。",
                                     error_messages={"required": "请填写缴款凭证号（非税收入缴款书号或银行回单号）。"})


class DecisionExtensionForm(forms.Form):
    """延长办案期限 (casework.case_clocks.decision_extend)."""

    extension = forms.ChoiceField(label="延长方式", choices=DecisionExtension.choices)
    reason = LongTextField(label="延长理由", error_messages={"required": "请写明延长理由。"})
    studied_on = forms.DateField(
        label="负责人集体讨论日期（继续延长的填写）", required=False, widget=forms.DateInput(format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"], validators=[within_supported_dates],
    )


class SourceReplyForm(forms.Form):
    """登记书面答复 (casework.source_reply.source_reply_record)."""

    replied_on = day_field("答复日期")
    reply_number = forms.CharField(
        label="答复文号", max_length=REPLY_NUMBER_MAX_LENGTH, help_text="书面答复、复函或报告的发文字号，例如：镇医保函〔2026〕12号",
        error_messages={"required": "请填写答复文号（书面答复、复函或报告的发文字号）。",
                        "max_length": f"答复文号过长：最多 {REPLY_NUMBER_MAX_LENGTH} 个字。"},
    )
    note = forms.CharField(label="备注", max_length=200, required=False, help_text="选填：送达方式、签收人等",
                           error_messages={"max_length": "备注过长：最多 200 个字。"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replied_on"].help_text = "书面答复的落款或发出日期：不晚于今天，不早于期限起算日；按此日期判断是否按期。"


class SourceExtensionForm(forms.Form):
    """延长交办期限 of a 交办 entered by hand (casework.source_reply.source_clock_extend)."""

    extension = forms.ChoiceField(label="延长期限", choices=AssignedClueExtension.choices)
    reason = LongTextField(label="延期理由", error_messages={"required": "请写明延期理由。"})
    studied_on = forms.DateField(
        label="集体研究日期（延长至6个月的填写）", required=False, widget=forms.DateInput(format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"], validators=[within_supported_dates],
    )
