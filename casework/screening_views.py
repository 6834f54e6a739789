"""导入大数据筛查线索 (`/cases/import/`): upload → the preview of casework.screening (row errors, the
leads it would register) → 确认导入 → the import's progress page (`/cases/import/<job>/`), while
casework.screening_jobs registers the leads out of the request. The uploaded file is kept by its
SHA-256 between the two steps, so confirming reads exactly the file that was previewed. Then each hit's 核查反馈 (HitCheckView)
and the bureau's 核查反馈表 to report upwards (`/cases/import/feedback.xlsx`)."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePath
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import generic
from django.views.decorators.http import require_GET

from agencies.permissions import officer_of
from casework import screening
from casework.forms import EvidenceFileField, HitCheckForm
from casework.models import ScreeningHit
from casework.permissions import can_register_leads
from casework.screening_feedback import can_feed_back_hits, feedback_workbook, screening_hit_check
from casework.screening_jobs import (
    screening_job_create, screening_job_get_for_user, screening_job_progress, screening_job_start,
)
from casework.selectors import case_list_for_user
from casework.views import CaseFormView

PENDING = "screening/pending/"
TOKEN = re.compile(r"^[0-9a-f]{64}\.(xlsx|csv)$")


class ScreeningUploadForm(forms.Form):
    upload = EvidenceFileField(
        label="筛查疑点清单", help_text="国家或省级大数据模型下发的 .xlsx 或 .csv 文件；第一行为列名：" + "、".join(screening.COLUMNS) + "。",
        error_messages={"required": "请选择要导入的文件。"},
    )


class ScreeningImportView(generic.TemplateView):
    template_name = "casework/screening_import.html"

    def dispatch(self, request, *args, **kwargs):
        if not can_register_leads(request.user):
            raise PermissionDenied("只有医疗保障局的工作人员可以导入筛查线索。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=kwargs.pop("form", None) or ScreeningUploadForm(), columns=screening.COLUMNS, **kwargs)

    def post(self, request, *args, **kwargs):
        if "token" in request.POST:
            return self.confirm(request.POST["token"], request.POST.get("name", ""))
        form = ScreeningUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        upload = form.cleaned_data["upload"]
        content = upload.read()
        name = PurePath(upload.name).name
        try:
            preview = screening.screening_preview(user=request.user, name=name, content=content)
        except ValidationError as exc:
            form.add_error("upload", exc)
            return self.render_to_response(self.get_context_data(form=form))
        token = f"{hashlib.sha256(content).hexdigest()}{PurePath(name).suffix.lower()}"
        if not default_storage.exists(PENDING + token):
            default_storage.save(PENDING + token, ContentFile(content))
        return self.render_to_response(self.get_context_data(preview=preview, token=token, name=name))

    def confirm(self, token: str, name: str):
        if not TOKEN.match(token) or not default_storage.exists(PENDING + token):
            messages.error(self.request, "没有找到要导入的文件，请重新上传。")
            return redirect("cases:screening_import")
        with default_storage.open(PENDING + token, "rb") as stored:
            content = stored.read()
        name = PurePath(name).name or token
        try:
            preview = screening.screening_preview(user=self.request.user, name=name, content=content)
            with transaction.atomic():
                job = screening_job_create(user=self.request.user, name=name, preview=preview)
                screening_job_start(job)
        except ValidationError as exc:
            messages.error(self.request, "；".join(exc.messages))
            return redirect("cases:screening_import")
        default_storage.delete(PENDING + token)
        return redirect("cases:screening_job", job_id=job.pk)


class ScreeningJobView(generic.TemplateView):
    """导入进度: 已处理 x / y 条 while the job runs (lianban.js polls `screening_job_json`), then what it registered."""

    template_name = "casework/screening_job.html"

    def get_context_data(self, **kwargs):
        job = screening_job_get_for_user(user=self.request.user, job_id=kwargs["job_id"])
        cases = case_list_for_user(user=self.request.user).filter(pk__in=job.case_ids).order_by("pk") if job.case_ids else []
        return super().get_context_data(job=job, cases=cases, **kwargs)


@require_GET
def screening_job_json(request, job_id: int):
    job = screening_job_get_for_user(user=request.user, job_id=job_id)
    return JsonResponse(screening_job_progress(job), json_dumps_params={"ensure_ascii": False})


class HitCheckView(CaseFormView):
    """逐条反馈: the result of checking one hit of a lead's 疑点清单."""

    form_class = HitCheckForm
    refusal = "只有导入该清单的医疗保障局的工作人员可以反馈核查结果。"
    allowed = staticmethod(can_feed_back_hits)

    def load(self, *, hit_id, **kwargs):
        self.hit = get_object_or_404(ScreeningHit, pk=hit_id, case=self.case)

    @property
    def form_title(self) -> str:
        return f"核查反馈：疑点 {self.hit.hit_id}"

    def get_initial(self):
        hit = self.hit
        return {"verdict": hit.verdict, "confirmed_amount": hit.confirmed_amount if hit.verdict else None, "note": hit.check_note}

    def get_context_data(self, **kwargs):
        hit = self.hit
        earlier = (f"（已于 {timezone.localtime(hit.checked_at):%Y-%m-%d %H:%M} 反馈为{hit.get_verdict_display()}，再次保存即更正）"
                   if hit.verdict else "")
        return super().get_context_data(
            intro=f"{hit.institution}，参保人 {hit.insured_name or '—'}，结算日期 {hit.settled_on or '—'}，涉及金额 {hit.amount} 元："
            f"{hit.description}{earlier}", submit_label="保存反馈", **kwargs,
        )

    def save(self, form):
        hit = screening_hit_check(user=self.request.user, hit=self.hit, **form.cleaned_data)
        messages.success(self.request, f"已反馈疑点 {hit.hit_id}：{hit.get_verdict_display()}。")

    def done_url(self) -> str:
        return super().done_url() + "#screening-hits"


def feedback_export(request):
    """核查反馈表 (.xlsx) of every hit the bureau imported on leads the user may see, to report upwards."""
    if not can_register_leads(request.user):
        raise PermissionDenied("只有医疗保障局的工作人员可以导出核查反馈表。")
    agency = officer_of(request.user).agency
    hits = ScreeningHit.objects.filter(agency=agency, case__in=case_list_for_user(user=request.user).values("pk"))
    content = feedback_workbook(hits, agency_name=agency.name)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"{agency.name}大数据筛查疑点核查反馈表-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
