"""The inspection form. Business rules stay in services; this only parses input."""

from __future__ import annotations

from django import forms

from casework.forms import LongTextField, within_supported_dates
from inspections.models import InspectionKind
from inspections.selectors import institutions_to_inspect


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, institution) -> str:
        return f"{institution.name}（{institution.uscc}）"


class InspectionForm(forms.Form):
    institution = InstitutionChoiceField(label="被检查机构", queryset=None, empty_label="—")
    kind = forms.ChoiceField(label="检查类型", choices=InspectionKind.choices)
    inspected_on = forms.DateField(label="检查日期", widget=forms.DateInput(format="%Y-%m-%d"), input_formats=["%Y-%m-%d"], validators=[within_supported_dates])
    findings = LongTextField(label="检查发现的问题", help_text="未发现问题的，写明“未发现违法违规问题”")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions_to_inspect(user=user)
