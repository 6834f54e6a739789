"""Forms of the agreement pages. Business rules stay in services; these only parse input."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings

from agreements.models import ActionKind, DesignationApplication, Institution, TerminationGround
from agreements.selectors import institutions_held_by
from casework.forms import LongTextField, within_supported_dates
from casework.selectors import case_list_for_user


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, help_text=help_text,
        widget=forms.DateInput(format="%Y-%m-%d"), input_formats=["%Y-%m-%d"], validators=[within_supported_dates],
    )


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, case) -> str:
        return f"{case.number} {case.title}"


def case_field(user, label: str = "发现问题的案件（可选）") -> CaseChoiceField:
    """Only cases the user may see can be linked."""
    return CaseChoiceField(label=label, queryset=case_list_for_user(user=user), required=False)


ORGANISATION_FIELDS = [
    "name", "uscc", "kind", "legal_representative", "legal_representative_id", "controller", "controller_id", "region_code",
]


class InstitutionForm(forms.ModelForm):
    agreement_start = date_field("协议起始日期")
    agreement_end = date_field("协议期满日期")

    class Meta:
        model = Institution
        fields = [*ORGANISATION_FIELDS, "agreement_start", "agreement_end"]

    def validate_unique(self):
        """The 统一社会信用代码 is checked by services.institution_register, which names the registered
        institution and its status, and lets a terminated one whose bar has run sign again."""


class ApplicationForm(forms.ModelForm):
    received_on = date_field("受理日期")

    class Meta:
        model = DesignationApplication
        fields = [*ORGANISATION_FIELDS, "received_on"]


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label="处理方式", choices=ActionKind.choices)
    decided_on = date_field("处理日期")
    document_number = forms.CharField(label="处理通知书文号", max_length=60, required=False, help_text="中止、解除医保协议必填")
    facts = LongTextField(label="违约事实及依据")
    amount = forms.DecimalField(
        label="金额（元）", min_value=Decimal("0"), max_digits=14, decimal_places=2, required=False,
        help_text="追回违规费用、违约金必填；暂停拨付/不予拨付可填",
    )
    rectify_by = date_field("整改期限", required=False, help_text="限期整改必填")
    ground = forms.ChoiceField(label="解除依据（令第2号第四十三条）", choices=[("", "—")] + TerminationGround.choices, required=False)
    statement_heard = forms.BooleanField(
        label="已告知定点医药机构并听取其陈述、申辩（中止、解除医保协议前必须）", required=False,
    )
    confirmed = forms.BooleanField(label="已确认", required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"] = case_field(user)


class ResumeForm(forms.Form):
    resumed_on = date_field("恢复日期")
    opinion = LongTextField(label="整改验收意见")


class ConcludeForm(forms.Form):
    concluded_on = date_field("办结日期")
    conclusion = LongTextField(label="办结情况", help_text="如：整改到位、违规费用已追回、违约金已缴纳")


class PractitionerForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=60)
    id_number = forms.CharField(label="身份证号码", max_length=18)
    institution = forms.ModelChoiceField(label="登记备案机构", queryset=Institution.objects.none())

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions_held_by(agency=agency)


class PointsForm(forms.Form):
    event_date = date_field("记分日期", help_text="按记分日期所在自然年度累计，每年清零")
    points = forms.IntegerField(label="记分分值", min_value=1, max_value=12, help_text="按情节轻重记1–3、4–6、7–9、10–12分")
    reason = LongTextField(label="记分事由")
    suspend_months = forms.IntegerField(
        label="年度累计达9分时暂停医保支付资格的月数", min_value=1, max_value=6,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suspend_months"].initial = settings.LIANBAN_PRACTITIONER_SUSPEND_MONTHS
        self.fields["case"] = case_field(user, label="相关案件（可选）")
