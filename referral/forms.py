from __future__ import annotations

from django import forms
from django.utils import timezone

from agencies.models import Agency, AgencyKind
from casework.forms import OfficerChoiceField, officers_of
from casework.models import Evidence
from referral.models import DEFAULT_SUSPECTED_OFFENCE, FilingDecision, Referral, ReviewExtension


class EvidenceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, evidence) -> str:
        return f"{evidence.get_kind_display()}：{evidence.title}（SHA-256 {evidence.sha256[:12]}…）"


class PackageForm(forms.Form):
    to_agency = forms.ModelChoiceField(label="接收机关（同级公安机关）", queryset=Agency.objects.none())
    facts = forms.CharField(label="涉嫌犯罪事实", widget=forms.Textarea)
    suspected_offence = forms.CharField(label="涉嫌罪名", max_length=120, initial=DEFAULT_SUSPECTED_OFFENCE)
    investigation_report = forms.CharField(label="涉嫌犯罪案件情况的调查报告", widget=forms.Textarea)
    task_force = OfficerChoiceField(label="专案组成员（不少于2名执法人员）", queryset=None)
    evidence = EvidenceChoiceField(label="随案移送的证据材料", queryset=None, required=False)
    contact_name = forms.CharField(label="联系人", max_length=60)
    contact_phone = forms.CharField(label="联系电话", max_length=40)

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        origin = referral.from_agency
        self.fields["to_agency"].queryset = Agency.objects.filter(kind=AgencyKind.PSB, region_code=origin.region_code, level=origin.level)
        self.fields["task_force"].queryset = officers_of(origin)
        self.fields["evidence"].queryset = Evidence.objects.filter(case=referral.case)


class ApprovalForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审批决定", coerce=lambda v: v == "yes", choices=[("yes", "批准移送"), ("no", "不批准移送")]
    )
    opinion = forms.CharField(label="审批意见（不批准的须写明理由）", widget=forms.Textarea, required=False)


class ReceiptForm(forms.Form):
    received_at = forms.DateTimeField(
        label="签收时间（精确到分钟）",
        widget=forms.DateTimeInput(format="%Y-%m-%d %H:%M"),
        input_formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"],
    )
    items_received = forms.IntegerField(label="收到材料件数", min_value=1)
    signer_title = forms.CharField(label="签收人职务", max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class FilingDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="审查决定", choices=FilingDecision.choices)
    document_number = forms.CharField(label="立案/不予立案通知书文号（转送的填写转送函文号）", max_length=60)
    police_case_number = forms.CharField(label="公安机关案件编号", max_length=60, required=False)
    reason = forms.CharField(label="不予立案或转送的理由", widget=forms.Textarea, required=False)
    files_returned = forms.BooleanField(label="不予立案的，已相应退回案卷材料", required=False)
    forward_to = forms.ModelChoiceField(label="转送至（有管辖权的公安机关）", queryset=Agency.objects.none(), required=False)

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forward_to"].queryset = Agency.objects.filter(kind=AgencyKind.PSB).exclude(pk=referral.to_agency_id)

    def clean(self):
        data = super().clean()
        if data.get("decision") == FilingDecision.FORWARD and not data.get("forward_to"):
            self.add_error("forward_to", "转送的，请选择有管辖权的公安机关。")
        return data


class ReviewExtensionForm(forms.Form):
    extension = forms.ChoiceField(label="延长", choices=ReviewExtension.choices)
    reason = forms.CharField(label="延长理由", widget=forms.Textarea)
