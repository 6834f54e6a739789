"""导入大数据筛查线索 (`/cases/import/`): upload → the preview of casework.screening (row errors, the
leads it would register) → 确认导入. The uploaded file is kept by its SHA-256 between the two steps,
so confirming reads exactly the file that was previewed."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.shortcuts import redirect
from django.views import generic

from casework import screening
from casework.forms import EvidenceFileField
from casework.permissions import can_register_leads

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
            cases = screening.screening_import(user=self.request.user, name=name, content=content)
        except ValidationError as exc:
            messages.error(self.request, "；".join(exc.messages))
            return redirect("cases:screening_import")
        default_storage.delete(PENDING + token)
        if cases:
            messages.success(self.request, f"已登记大数据筛查线索 {len(cases)} 件：{'、'.join(case.number for case in cases[:5])}"
                             + ("等" if len(cases) > 5 else "") + "。")
        else:
            messages.info(self.request, "文件中的疑点此前均已导入，没有登记新的线索。")
        return redirect("cases:index")
