"""The forms of the publication's steps; the rules are in publication.services."""

from __future__ import annotations

from django import forms

from casework.forms import LongTextField, day_field
from publication.models import Channel


class ProposeForm(forms.Form):
    headline = forms.CharField(label="公开标题", max_length=120, error_messages={"required": "请填写公开标题。"})
    text = LongTextField(label="公开文本", help_text="个人姓名只保留姓氏（如“张某”），不得出现证件号码、电话号码和举报人信息；提交时系统会再次检查。",
                         error_messages={"required": "请填写公开文本。"})


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(label="审批结论", widget=forms.RadioSelect, coerce=lambda value: value == "yes",
                                     choices=[("yes", "同意曝光"), ("no", "不予曝光")], error_messages={"required": "请选择审批结论。"})
    opinion = forms.CharField(label="审批意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="不予曝光的须写明理由。")


class PublishForm(forms.Form):
    published_on = day_field("发布日期")
    channel = forms.ChoiceField(label="发布渠道", choices=Channel.choices, error_messages={"required": "请选择发布渠道。"})
    location = forms.CharField(label="发布位置", max_length=300, help_text="网页链接，或刊发的媒体、版面。",
                               error_messages={"required": "请填写发布位置（网页链接，或刊发的媒体、版面）。"})


class DecisionChangedForm(forms.Form):
    changed_on = day_field("变更或撤销日期")
    note = forms.CharField(label="变更或撤销情况", max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="如行政复议决定书、判决书的文号和结论。",
                           error_messages={"required": "请写明处罚决定被变更、撤销或确认无效的情况（如复议决定书、判决书文号）。"})


class WithdrawForm(forms.Form):
    withdrawn_on = day_field("撤回日期")
    reason = forms.CharField(label="撤回理由", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="已登记处罚决定变更或撤销的，可不填，按其情况记录。")
