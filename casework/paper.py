"""代录 on the task pages: a clerk enters a step that an agency not on Lianban took on paper.

A task addressed to an agency marked "recorded by" the clerk's own agency (agencies.recording) opens
for the clerks of that agency with a second form above the task's own: the time the step was
really taken (unless the task's form asks for it already, as 签收回执 does), the paper document's
name and number, and its scan. The task's service then runs inside `recording.on_paper`, so its
clocks count from that time and its audit events say 【代录】; the scan is kept as a PaperRecord
beside the task, downloadable by whoever may see the process.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agencies import recording
from agencies.dates import format_datetime_minute
from agencies.models import Agency
from agencies.permissions import officer_of
from casework import uploads
from casework.forms import EvidenceFileField, within_supported_dates
from casework.models import PaperRecord


def paper_agency_for(user, task) -> Agency | None:
    """The agency on whose behalf `user` would act on `task`: one on paper that the user's agency
    records for (None when the task is the user's own agency's, or nobody's to record)."""
    agency_pk = task.owner_permission_obj_pk
    officer = officer_of(user)
    if agency_pk is None or officer is None or str(officer.agency_id) == str(agency_pk):
        return None
    return Agency.objects.filter(pk=agency_pk, recorded_by_id=officer.agency_id).first()


class PaperStepForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label="纸质办理时间", help_text="纸质文书落款或送达的时间；法定期限按此时间计算。",
        widget=forms.DateTimeInput(format="%Y-%m-%d %H:%M"), input_formats=["%Y-%m-%d %H:%M"],
        validators=[within_supported_dates], error_messages={"required": "请填写纸质办理时间。"},
    )
    reference = forms.CharField(
        label="纸质文书名称及文号", max_length=200, help_text="例如：立案决定书（镇公（经）立字〔2026〕15号）",
        error_messages={"required": "请填写纸质文书的名称及文号。"},
    )
    scan = EvidenceFileField(
        label="纸质文书扫描件", help_text="PDF 或图片，作为该步骤的凭证存档。", error_messages={"required": "请上传纸质文书的扫描件。"},
    )

    def __init__(self, *args, earliest: datetime, asks_time: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.earliest = earliest
        if not asks_time:
            del self.fields["occurred_at"]

    def clean_occurred_at(self) -> datetime:
        return paper_time_check(self.cleaned_data["occurred_at"], earliest=self.earliest)


def step_earliest(task) -> datetime:
    """The earliest time a step can have been taken: when the step before it was (its paper time, if
    it was entered on paper too; else when it was done in Lianban)."""
    times = [
        record.occurred_at if record is not None else finished
        for finished, record in (
            (previous.finished, PaperRecord.objects.filter(task=previous).first())
            for previous in task.previous.all()
        )
        if finished is not None
    ]
    return max(times, default=task.created)


def paper_time_check(moment: datetime, *, earliest: datetime) -> datetime:
    if moment > timezone.now():
        raise ValidationError("纸质办理时间不能晚于现在。")
    if moment < earliest.replace(second=0, microsecond=0):  # paper times are to the minute
        raise ValidationError(f"纸质办理时间不能早于上一步骤完成的时间（{format_datetime_minute(earliest)}）。")
    return moment


def paper_record_create(*, task, agency: Agency, user, occurred_at: datetime, reference: str, scan: UploadedFile) -> PaperRecord:
    """Keep the scan of a paper step beside its task (call inside the transaction that completes it)."""
    if scan.size == 0:
        raise ValidationError({"scan": "文件为空，请重新选择。"})
    try:
        uploads.check_evidence_file(scan)
    except ValidationError as exc:
        raise ValidationError({"scan": exc.messages}) from exc
    digest = hashlib.sha256()
    for chunk in scan.chunks():
        digest.update(chunk)
    scan.seek(0)
    record = PaperRecord(
        task=task, agency=agency, occurred_at=occurred_at, reference=reference.strip(), recorded_by=user,
        original_name=scan.name[:255], content_type=(scan.content_type or "")[:100], size=scan.size, sha256=digest.hexdigest(),
    )
    record.full_clean(exclude=["scan", "task"])
    record.scan.save(scan.name, scan, save=False)
    record.save()
    return record


def paper_records_of(process) -> list[PaperRecord]:
    """The paper steps entered for a process (for a page whose reader may already see the process)."""
    if process is None:
        return []
    return list(PaperRecord.objects.filter(task__process=process).select_related("agency", "recorded_by__officer", "task"))


def paper_scan_download(request, record_id: int):
    """The scan of a paper step: for whoever may see the process it belongs to."""
    record = get_object_or_404(PaperRecord.objects.select_related("task__process"), pk=record_id)
    process = record.task.process
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not process.flow_class.instance.has_view_permission(request.user, process):
        raise Http404("没有找到该代录记录，或您无权查看。")
    return FileResponse(record.scan.open("rb"), as_attachment=True, filename=record.original_name)


def paper_step(*, agency: Agency, occurred_at: datetime, user) -> recording.PaperStep:
    return recording.PaperStep(agency=agency, occurred_at=occurred_at, recorded_by=user)
