"""导入进度: a confirmed screening list is imported out of the request, in chunks, while the officer
watches 已处理 x / y 条; a run that dies mid-way loses nothing and a re-run finishes without duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditEvent
from casework import screening_jobs
from casework.models import Case, ScreeningHit, ScreeningImport, ScreeningImportState
from casework.screening_jobs import screening_job_run
from tests.casework.test_screening_import import ROWS, confirm, csv_file, preview

pytestmark = pytest.mark.django_db


def queued(officer) -> ScreeningImport:
    """The officer previews and confirms the three hits of ROWS (two institutions); the job is not run yet."""
    answer = confirm(officer, preview(officer, csv_file(ROWS)), run=False)
    job = ScreeningImport.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("cases:screening_job", args=[job.pk])
    return job


def progress(client, job) -> dict:
    response = client.get(reverse("cases:screening_job_json", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


def test_a_confirmed_list_is_a_job_whose_progress_the_officer_watches_until_it_shows_what_it_registered(cast, login):
    officer = login("msb_officer")
    job = queued(officer)
    assert (job.state, job.done, job.total) == (ScreeningImportState.PENDING, 0, 3) and not Case.objects.exists()
    page = officer.get(reverse("cases:screening_job", args=[job.pk])).content.decode()
    assert "已处理 <span data-lb-progress-done>0</span> / 3 条" in page and '<progress max="3" value="0"' in page
    assert progress(officer, job) == {"state": "pending", "state_label": "待导入", "done": 0, "total": 3, "finished": False, "error": ""}

    job = screening_job_run(job_id=job.pk)
    assert (job.state, job.done, job.hits_created, len(job.case_ids), job.groups) == (ScreeningImportState.DONE, 3, 3, 2, [])
    assert progress(officer, job) == {"state": "done", "state_label": "已完成", "done": 3, "total": 3, "finished": True, "error": ""}
    page = officer.get(reverse("cases:screening_job", args=[job.pk])).content.decode()
    kangtai = Case.objects.get(title="镇江康泰医院大数据筛查疑点线索")
    assert "已登记大数据筛查线索 2 件，导入疑点 3 条" in page and "<progress" not in page
    assert reverse("cases:detail", args=[kangtai.pk]) in page and kangtai.number in page
    assert list(AuditEvent.objects.filter(verb="screening.imported").values_list("summary", flat=True)) == [
        "导入大数据筛查疑点 3 条（省局下发疑点清单.csv），登记线索 2 件"]
    assert screening_job_run(job_id=job.pk).state == ScreeningImportState.DONE and ScreeningHit.objects.count() == 3  # done is done


def test_a_run_that_fails_mid_way_keeps_its_committed_chunks_and_a_re_run_finishes_without_duplicates(cast, login, monkeypatch):
    officer = login("msb_officer")
    job = queued(officer)
    monkeypatch.setattr(screening_jobs, "CHUNK_HITS", 1)  # one institution a transaction
    real, calls = screening_jobs.lead_start, []

    def second_lead_fails(**fields):
        calls.append(fields["title"])
        if len(calls) == 2:
            raise RuntimeError("数据库连接中断")
        return real(**fields)

    monkeypatch.setattr(screening_jobs, "lead_start", second_lead_fails)
    job = screening_job_run(job_id=job.pk)
    assert (job.state, job.done, job.hits_created, len(job.case_ids)) == (ScreeningImportState.FAILED, 2, 2, 1)
    assert Case.objects.count() == 1 and ScreeningHit.objects.count() == 2  # the first chunk stays, the second left nothing
    assert "数据库连接中断" in job.error and "已处理的 2 条保留" in job.error
    page = officer.get(reverse("cases:screening_job", args=[job.pk])).content.decode()
    assert "导入失败" in page and "已登记大数据筛查线索 1 件，导入疑点 2 条" in page and "已处理 2 / 3 条" in page
    assert progress(officer, job)["finished"] is True
    assert AuditEvent.objects.filter(verb="screening.import_failed").count() == 1
    assert not AuditEvent.objects.filter(verb="screening.imported").exists()

    monkeypatch.setattr(screening_jobs, "lead_start", real)
    assert screening_job_run(job_id=job.pk).state == ScreeningImportState.FAILED  # no runner takes a failed job by itself
    job = screening_job_run(job_id=job.pk, retry=True)
    assert (job.state, job.done, job.hits_created, len(job.case_ids), job.error) == (ScreeningImportState.DONE, 3, 3, 2, "")
    assert Case.objects.count() == 2 and ScreeningHit.objects.count() == 3
    assert AuditEvent.objects.filter(verb="screening.imported").count() == 1
    job = screening_job_run(job_id=job.pk, retry=True)
    assert Case.objects.count() == 2 and ScreeningHit.objects.count() == 3


def test_a_job_whose_runner_died_is_resumed_by_the_worker_and_one_still_running_is_left_alone(cast, login):
    officer = login("msb_officer")
    job = queued(officer)
    ScreeningImport.objects.filter(pk=job.pk).update(state=ScreeningImportState.RUNNING, runner="alive", heartbeat=timezone.now())
    call_command("run_clocks", "--once", stdout=open("/dev/null", "w"))
    assert ScreeningImport.objects.get(pk=job.pk).state == ScreeningImportState.RUNNING and not Case.objects.exists()

    ScreeningImport.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - screening_jobs.STALE_AFTER - timedelta(seconds=1))
    call_command("run_clocks", "--once", stdout=open("/dev/null", "w"))
    job = ScreeningImport.objects.get(pk=job.pk)
    assert (job.state, job.done, Case.objects.count(), ScreeningHit.objects.count()) == (ScreeningImportState.DONE, 3, 2, 3)


def test_the_same_list_confirmed_twice_registers_nothing_the_second_time(cast, login):
    officer = login("msb_officer")
    first, second = (confirm(officer, preview(officer, csv_file(ROWS)), run=False) for _ in range(2))
    jobs = list(ScreeningImport.objects.order_by("pk"))
    for job in jobs:
        screening_job_run(job_id=job.pk)
    second_job = ScreeningImport.objects.get(pk=jobs[1].pk)
    assert (second_job.hits_created, second_job.imported_before, second_job.case_ids) == (0, 3, [])
    assert Case.objects.count() == 2 and ScreeningHit.objects.count() == 3
    assert "没有登记新的线索；3 条疑点此前已导入" in officer.get(reverse("cases:screening_job", args=[second_job.pk])).content.decode()


def test_only_the_importing_bureau_sees_its_job(cast, login):
    job = queued(login("msb_officer"))
    for outsider in ("cz_msb_officer", "psb_officer"):
        client = login(outsider)
        assert client.get(reverse("cases:screening_job", args=[job.pk])).status_code == 404
        assert client.get(reverse("cases:screening_job_json", args=[job.pk])).status_code == 404
    assert login("msb_officer").get(reverse("cases:screening_job_json", args=[job.pk + 1])).status_code == 404
