"""Importing a confirmed screening list out of the request, in chunks, with its progress on a row.

The officer confirms the preview (casework.screening); `screening_job_create` keeps the leads the
preview grouped on a ScreeningImport row (the hits themselves, not the file: any process can run it
without the upload) and the officer watches 已处理 x / y 条 on the job's page while it runs.

Who runs it, and why so: the web process that took the upload starts a thread for the job once the
transaction that created it commits (`screening_job_start`), so the import begins at once, whichever of
several daphne processes took the request, with no queue or broker to deploy. A thread dies with its
process; then the deadline worker (`manage.py run_clocks`, already run beside the server in every
running mode) picks the job up on its next round (`screening_jobs_resume`): a job still 待导入, or
导入中 with no progress for STALE_AFTER. Two runners never work on one job: a run claims the job with
a conditional UPDATE (a random token in `runner`), and every chunk re-reads the job FOR UPDATE and
stops if another run has taken it over.

Each chunk (some leads, about CHUNK_HITS hits) is one transaction that registers its leads and moves
the job's counters with them, so a crash loses nothing and a re-run resumes after the last committed
chunk. Hits already in the bureau's ScreeningHit rows are skipped (one 线索编号 is imported once per
bureau), so nothing is ever registered twice, even by a file imported again or a job re-run by hand.
The import's one audit event is written with its last chunk; a failure writes its own, and the job
keeps its groups so that it can be resumed (`screening_job_run(job_id=…, retry=True)`) or the same
file uploaded again.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from agencies.audit import audit_append
from agencies.permissions import officer_of
from casework.intake import lead_start
from casework.models import Case, CaseSource, IdentifierType, ScreeningHit, ScreeningImport, ScreeningImportState, SubjectKind
from casework.permissions import can_register_leads
from casework.services import subject_add

logger = logging.getLogger(__name__)

State = ScreeningImportState
CHUNK_HITS = 500  # hits registered per transaction (a chunk holds whole leads, at least one)
STALE_AFTER = timedelta(minutes=2)  # a running job with no progress for so long lost its runner
SUMMARY_HITS = 5  # hits written out in a lead's summary; the rest are on its list of hits
LOOKUP_CHUNK = 5_000  # 线索编号 looked up a query at a time (SQLite allows so many parameters)
HIT_FIELDS = ("hit_id", "model_name", "institution", "uscc", "insured_name", "insured_id", "settled_on", "amount", "description")


def screening_job_create(*, user, name: str, preview) -> ScreeningImport:
    """Keep the leads of a checked preview (casework.screening.Preview) as a job to run; refuse one with errors."""
    if preview.errors:
        raise ValidationError(f"文件有 {len(preview.errors)} 行需要修正，修正后重新上传。")
    groups = [
        {"institution": group.institution, "uscc": group.uscc, "hits": [
            {key: getattr(hit, key) for key in HIT_FIELDS} | {"amount": str(hit.amount),
                                                            "settled_on": hit.settled_on.isoformat() if hit.settled_on else None}
            for hit in group.hits]}
        for group in preview.groups
    ]
    return ScreeningImport.objects.create(
        agency=officer_of(user).agency, imported_by=user, source_file=name[:255], groups=groups,
        total=sum(len(group["hits"]) for group in groups), imported_before=preview.imported_before,
    )


def screening_job_start(job: ScreeningImport) -> None:
    """Run the job in a thread of this process once the current transaction commits."""
    transaction.on_commit(lambda: threading.Thread(
        target=_run_in_thread, args=(job.pk,), name=f"screening-import-{job.pk}", daemon=True).start())


def _run_in_thread(job_id: int) -> None:
    try:
        screening_job_run(job_id=job_id)
    finally:
        connections.close_all()  # the thread's own connections, which nothing else would close


def screening_jobs_resume(*, now=None) -> int:
    """Run every job that no live runner holds (待导入, or 导入中 with a stale heartbeat); how many were run."""
    ids = list(ScreeningImport.objects.filter(_claimable(now or timezone.now())).order_by("pk").values_list("pk", flat=True))
    for job_id in ids:
        screening_job_run(job_id=job_id)
    return len(ids)


def _claimable(now, *, retry: bool = False) -> Q:
    free = Q(state=State.PENDING) | Q(state=State.RUNNING, heartbeat__lt=now - STALE_AFTER)
    return free | Q(state=State.FAILED) if retry else free


def screening_job_run(*, job_id: int, retry: bool = False) -> ScreeningImport:
    """Run the job to its end, a chunk a transaction, unless another runner holds it (then return at once).

    `retry` also resumes a job that failed. An error marks the job 失败 with the reason (and is logged);
    what the committed chunks registered stays, and a re-run goes on from there."""
    runner, now = uuid.uuid4().hex, timezone.now()
    if not ScreeningImport.objects.filter(_claimable(now, retry=retry), pk=job_id).update(
            state=State.RUNNING, runner=runner, heartbeat=now, error=""):
        return ScreeningImport.objects.get(pk=job_id)
    job = ScreeningImport.objects.select_related("agency", "imported_by").get(pk=job_id)
    try:
        while _run_chunk(job, runner):
            pass
    except Exception as exc:
        logger.exception("screening import %s failed", job_id)
        _fail(job, runner, exc)
    return ScreeningImport.objects.get(pk=job_id)


def _chunk_end(groups: list[dict], start: int) -> int:
    end, hits = start, 0
    while end < len(groups) and (end == start or hits + len(groups[end]["hits"]) <= CHUNK_HITS):
        hits += len(groups[end]["hits"])
        end += 1
    return end


@transaction.atomic
def _run_chunk(job: ScreeningImport, runner: str) -> bool:
    """Register the next chunk's leads and move the job on with them; False once the job is finished (or taken over)."""
    held = ScreeningImport.objects.select_for_update().only("runner", "state").get(pk=job.pk)
    if held.runner != runner or held.state != State.RUNNING:
        return False
    start, end = job.groups_done, _chunk_end(job.groups, job.groups_done)
    chunk = job.groups[start:end]
    ids = [hit["hit_id"] for group in chunk for hit in group["hits"]]
    before: set[str] = set()
    for offset in range(0, len(ids), LOOKUP_CHUNK):
        before.update(ScreeningHit.objects.filter(agency=job.agency, hit_id__in=ids[offset:offset + LOOKUP_CHUNK])
                      .values_list("hit_id", flat=True))
    stored = []
    for group in chunk:
        hits = [hit for hit in group["hits"] if hit["hit_id"] not in before]
        if hits:
            case, rows = _register(job, group, hits)
            job.case_ids.append(case.pk)
            stored += rows
    ScreeningHit.objects.bulk_create(stored, batch_size=2_000)
    job.groups_done, job.done = end, job.done + len(ids)
    job.hits_created += len(stored)
    job.imported_before += len(before)
    job.heartbeat = timezone.now()
    finished = end >= len(job.groups)
    fields = ["groups_done", "done", "hits_created", "imported_before", "case_ids", "heartbeat"]
    if finished:
        job.state, job.finished_at, job.groups = State.DONE, job.heartbeat, []
        fields += ["state", "finished_at", "groups"]
        if job.hits_created:
            _audit_done(job)
    job.save(update_fields=fields)
    return not finished


def _register(job: ScreeningImport, group: dict, hits: list[dict]) -> tuple[Case, list[ScreeningHit]]:
    """One institution's lead through the case flow, its party (by its code) and its hits."""
    user, institution, amount = job.imported_by, group["institution"], sum((Decimal(hit["amount"]) for hit in hits), Decimal("0"))
    models_named = "、".join(dict.fromkeys(hit["model_name"] for hit in hits if hit["model_name"])) or "大数据模型"
    lines = [f"{hit['hit_id']}：{hit['description']}（{hit['amount']}元）" for hit in hits[:SUMMARY_HITS]]
    if len(hits) > SUMMARY_HITS:
        lines.append(f"另有 {len(hits) - SUMMARY_HITS} 条疑点，见疑点清单。")
    case = lead_start(
        user=user, title=f"{institution}大数据筛查疑点线索", source=CaseSource.BIG_DATA,
        summary=f"{models_named}筛查发现{institution}疑点 {len(hits)} 条，涉及金额 {amount} 元：\n" + "\n".join(lines),
        source_detail=f"{models_named}（{job.source_file}）", amount_involved=amount,
    )
    if group["uscc"]:  # a party is named by its code; without one the officer adds it on verification
        subject_add(case=case, user=user, kind=_institution_kind(institution), name=institution,
                    identifier_type=IdentifierType.USCC, identifier=group["uscc"])
    rows = [
        ScreeningHit(agency=job.agency, case=case, source_file=job.source_file, imported_by=user, **_hit_fields(hit))
        for hit in hits
    ]
    return case, rows


def _hit_fields(hit: dict) -> dict[str, Any]:
    fields = {key: hit[key] for key in HIT_FIELDS}
    fields["amount"] = Decimal(hit["amount"])
    fields["settled_on"] = date.fromisoformat(hit["settled_on"]) if hit["settled_on"] else None
    return fields


def _institution_kind(name: str) -> str:
    return SubjectKind.PHARMACY if "药" in name and "医院" not in name else SubjectKind.INSTITUTION


def _audit_done(job: ScreeningImport) -> None:
    agency = job.agency
    audit_append(
        actor=job.imported_by, verb="screening.imported", target=agency, agency=agency, thread=f"agency:{agency.pk}",
        summary=f"导入大数据筛查疑点 {job.hits_created} 条（{job.source_file}），登记线索 {len(job.case_ids)} 件"
        + (f"；{job.imported_before} 条此前已导入" if job.imported_before else ""),
        data={"hits": job.hits_created, "cases": job.case_ids, "imported_before": job.imported_before, "job": job.pk},
    )


@transaction.atomic
def _fail(job: ScreeningImport, runner: str, exc: Exception) -> None:
    """Mark the job 失败 (unless another runner holds it now), keeping what the committed chunks registered."""
    held = ScreeningImport.objects.select_for_update().get(pk=job.pk)
    if held.runner != runner or held.state != State.RUNNING:
        return
    reason = "；".join(exc.messages) if isinstance(exc, ValidationError) else (str(exc) or type(exc).__name__)
    held.state, held.finished_at = State.FAILED, timezone.now()
    held.error = (f"导入在处理到第 {held.done + 1} 条疑点附近时中断：{reason[:500]}。已处理的 {held.done} 条保留，"
                  "其中登记的线索有效；重新上传同一文件即可继续导入其余疑点，已导入的不会重复登记。")
    held.save(update_fields=["state", "finished_at", "error"])
    audit_append(
        actor=held.imported_by, verb="screening.import_failed", target=held.agency, agency=held.agency,
        thread=f"agency:{held.agency_id}",
        summary=f"导入大数据筛查疑点中断（{held.source_file}）：已处理 {held.done} / {held.total} 条，登记线索 {len(held.case_ids)} 件",
        data={"hits": held.hits_created, "cases": held.case_ids, "job": held.pk, "error": reason[:500]},
    )


def screening_job_get_for_user(*, user, job_id: int) -> ScreeningImport:
    """The job, to an officer of the bureau that imported it who may import lists; 404 to anyone else."""
    officer = officer_of(user)
    if officer is None or not can_register_leads(user):
        raise Http404
    try:
        return ScreeningImport.objects.defer("groups").get(pk=job_id, agency_id=officer.agency_id)
    except ScreeningImport.DoesNotExist:
        raise Http404 from None


def screening_job_progress(job: ScreeningImport) -> dict[str, Any]:
    """What the progress page polls (JSON)."""
    return {"state": job.state, "state_label": job.get_state_display(), "done": job.done, "total": job.total,
            "finished": job.finished, "error": job.error}
