from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from agencies.models import Agency, AgencyKind
from agencies.selectors import agency_forward_targets
from casework.forms import LongTextField, OfficerChoiceField, SourceExtensionForm, officers_of, within_supported_dates
from casework.models import Case, Evidence
from referral.models import (
    CLUE_RECEIVERS,
    DEFAULT_SUSPECTED_OFFENCE,
    DeclineResponse,
    FilingDecision,
    ReconsiderationDecision,
    Referral,
    ReferralStatus,
    ReviewExtension,
    SupervisionOutcome,
)

User = get_user_model()


class EvidenceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, evidence) -> str:
        return f"{evidence.get_kind_display()}：{evidence.title}（SHA-256 {evidence.sha256[:12]}…）"


class HandoverItemForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, required=False)
    specification = forms.CharField(label="规格", max_length=60, required=False)
    quantity = forms.CharField(label="数量", max_length=30, required=False)
    location = forms.CharField(label="来源或存放地点", max_length=100, required=False)
    seal_number = forms.CharField(label="封存或登记保存编号", max_length=60, required=False)
    custodian = forms.CharField(label="保管人", max_length=30, required=False)
    note = forms.CharField(label="备注", max_length=100, required=False)


class ItemRowsFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.empty_permitted = False  # read every row: a prefilled row left unchanged is still a row
        return form


HandoverItemFormSet = forms.formset_factory(HandoverItemForm, formset=ItemRowsFormSet, extra=6, max_num=60)


class ItemsFormMixin:
    """A form carrying a table of items (a formset under prefix "items"); blank rows are ignored.
    The rows land in cleaned_data[items_key]."""

    items_key = "items"

    def init_items(self, initial: list[dict] | None = None) -> None:
        self.items = HandoverItemFormSet(self.data or None, prefix="items", initial=initial or None)

    def is_valid(self) -> bool:
        return super().is_valid() & self.items.is_valid()

    def clean(self):
        data = super().clean()
        if self.items.is_bound and self.items.is_valid():
            data[self.items_key] = [row.cleaned_data for row in self.items if row.cleaned_data]
        return data


class PackageForm(ItemsFormMixin, forms.Form):
    to_agency = forms.ModelChoiceField(label="接收机关（同级公安机关）", queryset=Agency.objects.none())
    facts = LongTextField(label="涉嫌犯罪事实")
    suspected_offence = forms.CharField(label="涉嫌罪名", max_length=120, initial=DEFAULT_SUSPECTED_OFFENCE)
    investigation_report = LongTextField(label="涉嫌犯罪案件情况的调查报告")
    task_force = OfficerChoiceField(
        label="专案组成员（不少于2名执法人员）", queryset=None, error_messages={"required": "专案组不少于2名执法人员。"}
    )
    evidence = EvidenceChoiceField(label="随案移送的证据材料", queryset=None, required=False)
    contact_name = forms.CharField(label="联系人", max_length=60)
    contact_phone = forms.CharField(label="联系电话", max_length=40)

    items_key = "seized_items"  # the 涉案物品清单 of the package (310 Art. 6 (3))

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_items(referral.seized_items)
        origin = referral.from_agency
        self.fields["to_agency"].queryset = Agency.objects.filter(kind=AgencyKind.PSB, region_code=origin.region_code, level=origin.level)
        self.fields["task_force"].queryset = officers_of(origin)
        self.fields["evidence"].queryset = Evidence.objects.filter(case=referral.case)


class ApprovalForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审批决定", coerce=lambda v: v == "yes", choices=[("yes", "批准移送"), ("no", "不批准移送")]
    )
    opinion = LongTextField(label="审批意见（不批准的须写明理由）", required=False)


class ReceiptForm(forms.Form):
    received_at = forms.DateTimeField(
        label="签收时间（精确到分钟）",
        widget=forms.DateTimeInput(format="%Y-%m-%d %H:%M"),
        input_formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"], validators=[within_supported_dates],
    )
    items_received = forms.IntegerField(label="收到材料件数", min_value=1)
    signer_title = forms.CharField(label="签收人职务", max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


def shown_when(*decisions: str) -> dict[str, str]:
    """Widget attributes: the field shows only while the form's 审查决定 is one of `decisions` (static/lianban/lianban.js)."""
    return {"data-lb-show-when": "decision=" + ",".join(decisions)}


class FilingDecisionForm(forms.Form):
    """立案审查: each decision asks for its own fields — 立案: the 立案通知书 and the police case number;
    不予立案: the notice, the reasons and the files returned; 转送: the competent police organ and why."""

    decision = forms.ChoiceField(label="审查决定", choices=FilingDecision.choices)
    document_number = forms.CharField(
        label="立案或不予立案通知书文号", max_length=60, required=False,
        widget=forms.TextInput(attrs=shown_when(FilingDecision.FILE, FilingDecision.DECLINE)),
    )
    police_case_number = forms.CharField(
        label="公安机关案件编号", max_length=60, required=False, widget=forms.TextInput(attrs=shown_when(FilingDecision.FILE)),
    )
    reason = LongTextField(
        label="不予立案或转送的理由", required=False,
        widget=forms.Textarea(attrs=shown_when(FilingDecision.DECLINE, FilingDecision.FORWARD)),
    )
    files_returned = forms.BooleanField(
        label="已相应退回案卷材料", required=False, widget=forms.CheckboxInput(attrs=shown_when(FilingDecision.DECLINE)),
    )
    forward_to = forms.ModelChoiceField(
        label="转送至（有管辖权的公安机关）", queryset=Agency.objects.none(), required=False,
        widget=forms.Select(attrs=shown_when(FilingDecision.FORWARD)),
        error_messages={"invalid_choice": "请选择本市（或上级）有管辖权的其他公安机关。"},
    )

    REQUIRED = {
        FilingDecision.FILE: {"document_number": "请填写立案通知书的文号。"},
        FilingDecision.DECLINE: {
            "document_number": "请填写不予立案通知书的文号。", "reason": "不予立案的，应当书面说明理由。",
            "files_returned": "不予立案的，应当相应退回案卷材料。",
        },
        FilingDecision.FORWARD: {"forward_to": "转送的，请选择有管辖权的公安机关。", "reason": "请写明不属本机关管辖、需要转送的理由。"},
    }
    BLANK = {"document_number": "", "police_case_number": "", "reason": "", "files_returned": False, "forward_to": None}

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forward_to"].queryset = agency_forward_targets(agency=referral.to_agency)

    def clean(self):
        """What the chosen decision asks for must be there; what it does not is dropped, whatever the page sent."""
        data = super().clean()
        decision = data.get("decision")
        if decision not in self.REQUIRED:
            return data
        required = self.REQUIRED[decision]
        for name, message in required.items():
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        shown = set(required) | ({"police_case_number"} if decision == FilingDecision.FILE else set())
        for name, blank in self.BLANK.items():
            if name not in shown:
                data[name] = blank
        return data


class ReviewExtensionForm(forms.Form):
    extension = forms.ChoiceField(label="延长", choices=ReviewExtension.choices)
    reason = LongTextField(label="延长理由")


class DeclineResponseForm(forms.Form):
    response = forms.ChoiceField(label="移送机关的决定", choices=DeclineResponse.choices)
    reasons = LongTextField(label="应当立案的理由（提请复议或建议立案监督时必填）", required=False)
    new_evidence = LongTextField(label="新的证据材料（如有）", required=False)

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        if referral.status == ReferralStatus.UPHELD:  # 复议 was used: only 立案监督 or acceptance remain
            self.fields["response"].choices = [c for c in DeclineResponse.choices if c[0] != DeclineResponse.RECONSIDER]


class ReconsiderationDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="复议决定", choices=ReconsiderationDecision.choices)
    decision_number = forms.CharField(label="复议决定书文号", max_length=60)
    reasons = LongTextField(label="理由", required=False)


class ExplanationRequestForm(forms.Form):
    notice_number = forms.CharField(label="要求说明不立案理由通知书文号", max_length=60)


class ExplanationForm(forms.Form):
    explanation = LongTextField(label="不立案理由说明")


class SupervisionOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="审查结论", choices=SupervisionOutcome.choices)
    notice_number = forms.CharField(label="通知立案书文号（通知立案时必填）", max_length=60, required=False)
    opinion = LongTextField(label="审查意见")


class OrderedFilingForm(forms.Form):
    document_number = forms.CharField(label="立案决定书文号", max_length=60)
    police_case_number = forms.CharField(label="公安机关案件编号", max_length=60, required=False)


class HandoverForm(ItemsFormMixin, forms.Form):
    """The 交接清单."""

    def __init__(self, *args, initial_items: list[dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_items(initial_items)


class ConfirmHandoverForm(forms.Form):
    confirm = forms.BooleanField(label="已逐项核对交接清单所列物品和材料，确认签收")


class ClueOpenForm(forms.Form):
    kind = forms.ChoiceField(label="移送至", choices=[(kind.value, kind.label) for kind in CLUE_RECEIVERS])


class CluePackageForm(forms.Form):
    to_agency = forms.ModelChoiceField(label="接收机关", queryset=Agency.objects.none())
    facts = LongTextField(label="已查明的事实")
    persons_involved = LongTextField(
        label="涉及的人员及单位、职务（纪检监察线索必填）", required=False
    )
    request = LongTextField(label="请求事项", initial="请依法处理，并将处理结果书面反馈我局。")
    evidence = EvidenceChoiceField(label="随函移送的证据材料", queryset=None, required=False)
    recipient = forms.ModelChoiceField(label="指定接收人（保密线索只送达此人）", queryset=None, required=False)
    contact_name = forms.CharField(label="联系人", max_length=60)
    contact_phone = forms.CharField(label="联系电话", max_length=40)

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        receivers = Agency.objects.filter(kind=CLUE_RECEIVERS[referral.kind])
        self.fields["to_agency"].queryset = receivers
        self.fields["evidence"].queryset = Evidence.objects.filter(case=referral.case)
        self.fields["recipient"].queryset = User.objects.filter(officer__agency__in=receivers).select_related("officer__agency")
        if not referral.confidential:
            del self.fields["recipient"]


class ClueAcknowledgeForm(ReceiptForm):
    items_received = None  # a clue letter is acknowledged as a whole


class IncomingAcknowledgeForm(ClueAcknowledgeForm):
    """Signing for an incoming document; a 检察意见 may concern a case the bureau had transferred."""

    resumes = forms.ModelChoiceField(
        label="涉及本局移送公安机关的案件（续办原案）", queryset=Case.objects.none(), required=False,
        help_text="检察机关作出不起诉决定后提出检察意见的，选择原移送案件：原案当事人随案转入，中止的罚款决定恢复办理。",
    )

    def __init__(self, *args, resumable=None, **kwargs):
        super().__init__(*args, **kwargs)
        if resumable is None:
            del self.fields["resumes"]
        else:
            self.fields["resumes"].queryset = resumable


class IncomingExtensionForm(SourceExtensionForm):
    """延长交办期限 of a 交办 signed for in Lianban: the same fields as one entered by hand."""


class FinalReportForm(forms.Form):
    report = LongTextField(label="查处及整改落实情况")
    measures = LongTextField(label="采取的措施（每行一项，可不填）", required=False)

    def clean_measures(self):
        return [line.strip() for line in self.cleaned_data["measures"].splitlines() if line.strip()]


class ClueFeedbackForm(forms.Form):
    feedback = LongTextField(label="处理结果")
    document_number = forms.CharField(label="反馈函文号", max_length=60, required=False)


class ClueCloseForm(forms.Form):
    confirm = forms.BooleanField(label="已阅处理结果反馈，办结本次移送")


class StopTrackingForm(forms.Form):
    reason = LongTextField(
        label="不再跟踪的理由", error_messages={"required": "请写明不再跟踪的理由。"}
    )


class IncomingSendForm(ItemsFormMixin, forms.Form):
    """What another agency hands the bureau: 反向移送, 检察意见, 交办, 飞检移交 or 经办机构移交.
    The police may name the transfer they had filed and now withdraw (撤案), with the items they return."""

    items_key = "returned_items"

    kind = forms.ChoiceField(label="来文类型", choices=())
    to_agency = forms.ModelChoiceField(label="接收机关（医疗保障行政部门）", queryset=Agency.objects.filter(kind=AgencyKind.MSB))
    incoming_number = forms.CharField(label="来文文号", max_length=60)
    incoming_issued_on = forms.DateField(label="来文日期", widget=forms.DateInput(format="%Y-%m-%d"), input_formats=["%Y-%m-%d"], validators=[within_supported_dates])
    case_title = forms.CharField(label="案件名称", max_length=200)
    persons_involved = LongTextField(label="当事人", required=False)
    facts = LongTextField(label="案件事实")
    request = LongTextField(
        label="移送理由及要求",
        help_text="反向移送：需要行政处理的理由；检察意见：不起诉决定及建议的行政处罚；交办、飞检移交：办理要求",
    )
    amount = forms.DecimalField(label="涉案金额（元）", min_value=0, max_digits=14, decimal_places=2, initial=0)
    contact_name = forms.CharField(label="联系人", max_length=60)
    contact_phone = forms.CharField(label="联系电话", max_length=40)

    origin = forms.ModelChoiceField(
        label="原移送（立案后撤销案件的，选择原涉嫌犯罪案件移送）", queryset=Referral.objects.none(), required=False
    )

    def __init__(self, *args, kinds: list, withdrawable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_items()
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in kinds]
        self.fields["kind"].initial = kinds[0].value
        if withdrawable is None:
            del self.fields["origin"]
        else:
            self.fields["origin"].queryset = withdrawable


class IncomingReplyForm(forms.Form):
    reply = LongTextField(label="处理结果", help_text="如：已立案查处，作出镇医保罚〔2026〕3号行政处罚决定……")
    measures = LongTextField(label="采取的措施（每行一项，可不填）", required=False)

    def clean_measures(self):
        return [line.strip() for line in self.cleaned_data["measures"].splitlines() if line.strip()]


class ReplyReceivedForm(forms.Form):
    confirm = forms.BooleanField(label="已收到医疗保障部门的书面答复")


class OverdueSupervisionForm(forms.Form):
    reasons = LongTextField(label="应当立案的理由", error_messages={"required": "请写明应当立案的理由。"})
