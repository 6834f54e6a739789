from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from agencies.models import Agency, AgencyKind
from agencies.regions import region_prefix
from casework.forms import LongTextField, OfficerChoiceField, within_supported_dates
from meetings.models import AttendanceStatus, MeetingKind, Mechanism, ResolutionKind

User = get_user_model()
DATE = {"widget": forms.DateInput(format="%Y-%m-%d"), "input_formats": ["%Y-%m-%d"]}
DATETIME = {"widget": forms.DateTimeInput(format="%Y-%m-%d %H:%M"), "input_formats": ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]}


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, agency) -> str:
        return agency.name


class AgenciesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, agency) -> str:
        return agency.name


class MechanismForm(forms.Form):
    name = forms.CharField(label="机制名称", max_length=100, initial="医疗保障基金监管工作联席会议")
    convenor = forms.CharField(label="召集人", max_length=100, help_text="如：市政府分管副市长")
    convenor_agency = AgencyChoiceField(label="召集单位", queryset=Agency.objects.none(), required=False)
    members = AgenciesChoiceField(label="成员单位", queryset=Agency.objects.none())
    liaisons = OfficerChoiceField(label="联络员（每个成员单位一名）", queryset=User.objects.none(), required=False)
    frequency = forms.CharField(label="会议频次", max_length=40, required=False, initial="每季度一次")
    charter_number = forms.CharField(label="制度文件文号", max_length=60, required=False)

    def __init__(self, *args, lead: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        region = Agency.objects.filter(region_code=lead.region_code).exclude(pk=lead.pk)
        self.fields["members"].queryset = region
        self.fields["convenor_agency"].queryset = region.filter(kind=AgencyKind.GOVERNMENT)
        self.fields["liaisons"].queryset = User.objects.filter(officer__agency__region_code=lead.region_code).select_related("officer")

    def clean(self):
        data = super().clean()
        liaisons: dict[int, object] = {}
        for user in data.get("liaisons") or []:
            if user.officer.agency_id in liaisons:
                self.add_error("liaisons", f"{user.officer.agency.name}只能指定一名联络员。")
            liaisons[user.officer.agency_id] = user
        data["liaisons"] = liaisons
        return data


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label="会议类型", choices=MeetingKind.choices)
    title = forms.CharField(label="会议名称", max_length=120)
    held_at = forms.DateTimeField(label="会议时间", **DATETIME, validators=[within_supported_dates])
    venue = forms.CharField(label="会议地点", max_length=100)
    chair = forms.CharField(label="主持人", max_length=100)
    topics = LongTextField(label="议题（每行一项）", required=False)
    cases = forms.ModelMultipleChoiceField(label="研究的案件", queryset=None, required=False)
    carried = forms.ModelMultipleChoiceField(label="前次会议逾期未办结、无法落实的议定事项（通报）", queryset=None, required=False)

    def __init__(self, *args, cases, carried, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases
        self.fields["carried"].queryset = carried
        self.fields["carried"].initial = list(carried.values_list("pk", flat=True))  # overdue items are reported by default
        self.fields["carried"].label_from_instance = lambda r: (
            f"{r.meeting.title}第{r.number}项：{r.text[:40]}（{r.owner.short_name}，{r.get_status_display() if r.status == 'blocked' else '逾期：' + r.deadline_label}）")
        self.fields["cases"].label_from_instance = lambda c: f"{c.number} {c.title}（{c.get_status_display()}）"

    def clean_topics(self):
        return [line.strip() for line in self.cleaned_data["topics"].splitlines() if line.strip()]


class AttendanceRowForm(forms.Form):
    agency = AgencyChoiceField(label="单位", queryset=Agency.objects.none())
    name = forms.CharField(label="姓名", max_length=40)
    post = forms.CharField(label="职务", max_length=60)
    status = forms.ChoiceField(label="出席情况", choices=AttendanceStatus.choices, initial=AttendanceStatus.PRESENT)

    def __init__(self, *args, region: str, **kwargs):
        super().__init__(*args, **kwargs)
        # the region's agencies and those of its districts (321100 → 3211xx) may attend or observe
        self.fields["agency"].queryset = Agency.objects.filter(region_code__startswith=region_prefix(region))


class ResolutionRowForm(forms.Form):
    text = LongTextField(label="议定事项", widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label="类型", choices=ResolutionKind.choices, initial=ResolutionKind.TASK)
    owner = AgencyChoiceField(label="牵头单位", queryset=Agency.objects.none())
    co_agencies = AgenciesChoiceField(label="配合单位", queryset=Agency.objects.none(), required=False)
    due_on = forms.DateField(label="完成时限", required=False, **DATE, validators=[within_supported_dates])
    ongoing = forms.BooleanField(label="长期坚持", required=False)
    case = forms.ModelChoiceField(label="涉及案件", queryset=None, required=False)
    propose_supervision = forms.BooleanField(label="提请上级挂牌督办", required=False)

    def __init__(self, *args, mechanism: Mechanism, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        members = mechanism.members.all()
        self.fields["owner"].queryset = members
        self.fields["co_agencies"].queryset = members


def rows_of(formset) -> list[dict]:
    """The filled rows of a formset (blank extra rows are ignored)."""
    return [dict(row.cleaned_data) for row in formset if row.cleaned_data]


AttendanceFormSet = forms.formset_factory(AttendanceRowForm, extra=8)
ResolutionFormSet = forms.formset_factory(ResolutionRowForm, extra=5)


class MinutesForm(forms.Form):
    heard = LongTextField(label="会议听取了", required=False,
                          help_text="如：市医保局关于2026年基金监管工作情况的汇报……")
    views = LongTextField(label="会议认为", required=False)
    distribution = forms.CharField(label="分送（逗号分隔）", max_length=300, required=False)


class ProgressForm(forms.Form):
    text = LongTextField(label="落实进展")


class SettleForm(forms.Form):
    done = forms.TypedChoiceField(label="落实结果", coerce=lambda v: v == "yes",
                                  choices=[("yes", "已办结"), ("no", "无法落实（与本机关依法作出的决定冲突）")])
    text = LongTextField(label="办结情况及佐证材料 / 无法落实的理由")
