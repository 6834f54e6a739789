from __future__ import annotations

from django import forms
from django.conf import settings

from agencies.models import Agency, AgencyKind
from casework.forms import LongTextField
from supervision.models import Criterion, ReportKind

TERMS = [("30wd", "30个工作日"), ("3m", "3个月"), ("6m", "6个月（特别重大案件）")]
YES_NO = [("yes", "同意"), ("no", "不同意")]


def yes(value) -> bool:
    return value == "yes"


class ProposeForm(forms.Form):
    criteria = forms.MultipleChoiceField(label="挂牌理由", choices=Criterion.choices,
                                         error_messages={"required": "请选择挂牌理由。"})
    reason = LongTextField(label="基本案情和挂牌督办的理由")


class DesignateForm(forms.Form):
    approve = forms.TypedChoiceField(label="决定", coerce=yes, choices=[("yes", "挂牌督办"), ("no", "不予挂牌")])
    opinion = LongTextField(label="决定意见")
    issue = LongTextField(label="督办事项（挂牌的填写）", required=False)
    requirements = LongTextField(label="督办要求", required=False,
                                 initial="依法从严从快查处；严格落实保密纪律；可作为典型案例的及时报告。")
    term = forms.ChoiceField(label="督办时限（自通知印发之日起）", choices=TERMS, initial="3m", required=False)
    report_every_months = forms.IntegerField(label="进展报告周期（月）", min_value=1, max_value=6, required=False)
    co_supervisor = forms.ModelChoiceField(label="联合督办（同级公安机关，可不选）", queryset=Agency.objects.none(), required=False)

    def __init__(self, *args, supervisor: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report_every_months"].initial = settings.LIANBAN_SUPERVISION_REPORT_MONTHS
        self.fields["co_supervisor"].queryset = Agency.objects.filter(kind=AgencyKind.PSB, region_code=supervisor.region_code)

    def clean_term(self):
        return self.cleaned_data["term"] or "3m"


class PlanForm(forms.Form):
    plan = LongTextField(label="查处方案（调查步骤、分工、时间安排）")


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label="报告类型", choices=ReportKind.choices)
    administrative = LongTextField(label="行政处罚（核查）进展")
    agreement = LongTextField(label="协议处理进展", required=False)
    criminal = LongTextField(label="刑事案件进展（公安案号、强制措施、抓获人数）", required=False)
    referrals = LongTextField(label="移送其他机关情况", required=False)
    recovered = forms.DecimalField(label="累计追回医保基金（元）", min_value=0, max_digits=14, decimal_places=2, initial=0)
    fines = forms.DecimalField(label="累计罚款（元）", min_value=0, max_digits=14, decimal_places=2, initial=0)
    problems = LongTextField(label="存在的问题和需要协调的事项", required=False)
    next_steps = LongTextField(label="下一步工作（结案报告：各当事人的最终处理结果）", required=False)
    typical = forms.BooleanField(label="可作为典型案例公开曝光", required=False)


class ReviewForm(forms.Form):
    accept = forms.TypedChoiceField(label="审核结论", coerce=yes, choices=[("yes", "审核通过，予以销号"), ("no", "退回重办")])
    opinion = LongTextField(label="审核意见")


class ReasonForm(forms.Form):
    reason = LongTextField(label="事由", error_messages={"required": "请写明事由。"})
