"""The forms of the reward's steps; the rules themselves are in rewards.services."""

from __future__ import annotations

from django import forms

from casework.forms import LongTextField, day_field
from rewards.models import PayMethod
from rewards.services import NOTICE_CHANNELS


class AssessForm(forms.Form):
    eligible = forms.TypedChoiceField(
        label="核定结论", widget=forms.RadioSelect, coerce=lambda value: value == "yes",
        choices=[("yes", "符合奖励条件，按奖励标准核定金额"), ("no", "不符合奖励条件，不予奖励")],
        error_messages={"required": "请选择核定结论。"},
    )
    assessment = LongTextField(
        label="核定意见", help_text="线索是否有明确对象和具体事实、主要事实是否查证属实、是否为已掌握的线索。",
        error_messages={"required": "请填写核定意见。"},
    )


class ApproveForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审批结论", widget=forms.RadioSelect, coerce=lambda value: value == "yes",
        choices=[("yes", "同意奖励"), ("no", "不予奖励")], error_messages={"required": "请选择审批结论。"},
    )
    opinion = forms.CharField(label="审批意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="不予奖励的须写明理由。")


class NotifyForm(forms.Form):
    notified_on = day_field("告知日期")
    channel = forms.ChoiceField(label="告知方式", choices=[(c, c) for c in NOTICE_CHANNELS],
                                error_messages={"required": "请选择告知方式。"})


class PayForm(forms.Form):
    paid_on = day_field("发放日期")
    method = forms.ChoiceField(label="发放方式", choices=PayMethod.choices, initial=PayMethod.BANK,
                               help_text="原则上以非现金方式发放。", error_messages={"required": "请选择发放方式。"})
    voucher_number = forms.CharField(label="发放凭证号", max_length=60, help_text="转账回单号或领款凭证号。",
                                     error_messages={"required": "请填写发放凭证号（转账回单号或领款凭证号）。"})
    identity_checked = forms.BooleanField(label="已核验领奖人有效身份证件，与举报人一致", required=False)


class WaiveForm(forms.Form):
    """视为放弃 has nothing to fill in: the page says why, and the button asks for confirmation."""
