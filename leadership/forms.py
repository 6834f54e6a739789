"""The statistics filter: a period (start and end dates; the page offers quarters and years as links)
and a region among those the user may read."""

from __future__ import annotations

from django import forms

from casework.forms import add_service_errors, within_supported_dates
from leadership.statistics import Period, Region, period_between


def date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), input_formats=["%Y-%m-%d"],
        error_messages={"required": f"请填写{label}。", "invalid": f"{label}应为“年-月-日”，如 2026-07-01。"},
        validators=[within_supported_dates],  # 0001-01-01..9999-12-31 would overflow the period's arithmetic
    )


class StatisticsFilterForm(forms.Form):
    start = date_field("开始日期")
    end = date_field("结束日期")
    region = forms.ChoiceField(
        label="统计区域", error_messages={"invalid_choice": "只能查看本机关及下级机关辖区的统计，请重新选择统计区域。"}
    )

    def __init__(self, *args, regions: list[tuple[Region, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = {region.code: region for region, _ in regions}
        self.fields["region"].choices = [(region.code, label) for region, label in regions]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            try:
                data["period"] = period_between(data["start"], data["end"])
            except forms.ValidationError as exc:
                add_service_errors(self, exc)
        return data

    @property
    def period(self) -> Period:
        return self.cleaned_data["period"]

    @property
    def selected_region(self) -> Region:
        return self.regions[self.cleaned_data["region"]]
