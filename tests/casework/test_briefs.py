"""The task lists load, for their rows' summaries, only the columns the summaries' templates print."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework import briefs, tasklists
from casework.flows import CaseFlow
from config.urls import workflow
from demo.stories import INVESTIGATING, PENDING_APPROVAL, PENDING_FILING
from referral.flows import TransferFlow
from tests.casework.test_query_budget import PAGE_BUDGETS, SESSION_QUERIES

FLOWS = workflow.flow_classes


def test_every_flows_summaries_print_fields_the_lists_can_load_alone():
    """Each flow's summaries (every template casework.briefs may write one from) print plain fields;
    a case's summary reads its number and title, a transfer's its case title and its two agencies."""
    assert all(briefs.read_paths(flow_class) is not None for flow_class in FLOWS)
    assert briefs.read_paths(CaseFlow) == ("case__number", "case__title", "status")
    assert briefs.read_paths(TransferFlow) == (
        "referral__case_title", "referral__from_agency__short_name", "referral__to_agency__short_name", "status",
    )


@pytest.mark.parametrize("source", [
    "{% if process.case %}{{ process.case.title }}{% endif %}",  # a tag
    "{{ process.case }}",  # a whole row: its __str__ may read any column
    "{{ process.case.subjects }}",  # a relation at the end
    "{{ process.case.title|default:process.case.number }}",  # a variable argument
    "{{ process.case.missing_field }}",
    "{{ request.user }}",  # neither the process, the task nor the flow
])
def test_a_summary_that_does_more_than_print_fields_loads_its_rows_whole_with_the_case_joined(monkeypatch, source):
    monkeypatch.setattr(CaseFlow, "process_summary_template", source)
    assert_loaded_whole(joined={"case": {}})


def test_a_summary_that_reads_no_relation_of_the_process_joins_none(monkeypatch):
    """`select_related()` without a path would join every relation of the process row."""
    monkeypatch.setattr(briefs, "read_paths", lambda flow_class: None)
    monkeypatch.setattr(briefs, "related_paths", lambda flow_class: ())
    prefetch, = tasklists.brief_prefetches(CaseFlow)
    assert prefetch.queryset.query.select_related is False


def test_a_transfers_summary_inside_a_tag_still_joins_its_referral_and_both_agencies(monkeypatch):
    monkeypatch.setattr(TransferFlow, "process_summary_template",
                        "{% if process.referral %}{{ process.referral.from_agency.short_name }} → "
                        "{{ process.referral.to_agency.short_name }}{% endif %}")
    briefs.read_paths.cache_clear()
    briefs.related_paths.cache_clear()
    try:
        assert briefs.read_paths(TransferFlow) is None
        prefetch, = tasklists.brief_prefetches(TransferFlow)
        assert prefetch.prefetch_through == "referralprocess"
        assert prefetch.queryset.query.select_related == {"referral": {"from_agency": {}, "to_agency": {}}}
    finally:
        briefs.read_paths.cache_clear()
        briefs.related_paths.cache_clear()


@pytest.mark.parametrize("source", [
    "{{ task.process.caseprocess.case.title }}",  # past the task row
    "{{ task }}",
    "{{ task.owner.username }}",
])
def test_a_step_summary_that_reads_past_the_task_row_loads_the_rows_whole(monkeypatch, source):
    node = CaseFlow.instance.file_case
    monkeypatch.setattr(node, "task_summary_template", source)
    assert_loaded_whole(joined={"case": {}})  # the process summary's own {{ process.case.number }}


def test_a_step_summary_of_the_task_rows_own_fields_keeps_the_columns(monkeypatch):
    monkeypatch.setattr(CaseFlow.instance.file_case, "task_summary_template",
                        "{{ task.get_status_display }} {{ task.created }} {{ process.case.title }}")
    briefs.read_paths.cache_clear()
    try:
        assert briefs.read_paths(CaseFlow) == ("case__number", "case__title", "status")
    finally:
        briefs.read_paths.cache_clear()


def assert_loaded_whole(joined):
    """The case flow's process rows load whole (no column deferred), joined to what `joined` names."""
    briefs.read_paths.cache_clear()
    briefs.related_paths.cache_clear()
    try:
        assert briefs.read_paths(CaseFlow) is None
        prefetch, = tasklists.brief_prefetches(CaseFlow)
        assert prefetch.prefetch_through == "caseprocess" and not prefetch.queryset.query.deferred_loading[0]
        assert prefetch.queryset.query.select_related == joined
    finally:
        briefs.read_paths.cache_clear()
        briefs.related_paths.cache_clear()


@pytest.mark.django_db
def test_the_lists_read_each_flows_summaries_in_their_columns_without_a_query_a_row(cast, tell, login):
    """待认领 with rows of two flows (a transfer's and a case's) and 我的待办 with a case's: the summaries
    are viewflow's, the rows they reach come in the columns the summaries print (no case's other
    columns), and no row asks for more."""
    for stage, title in ((PENDING_FILING, "甲医院涉嫌串换药品案"), (PENDING_APPROVAL, "乙诊所涉嫌虚构医药服务案"),
                         (INVESTIGATING, "丙药店涉嫌串换药品案")):
        tell(stage, title=title)
    for user, url in (("msb_head", "/workflow/queue/"), ("msb_officer", "/workflow/inbox/")):
        client = login(user)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        case_reads = [query["sql"] for query in captured if 'FROM "casework_caseprocess"' in query["sql"]]
        assert len(case_reads) == 1 and '"casework_case"."title"' in case_reads[0]
        assert '"casework_case"."summary"' not in case_reads[0] and '"casework_case"."amount_involved"' not in case_reads[0]
        tasks = list(tasklists.inbox(FLOWS, cast.user(user)) if "inbox" in url else tasklists.queue(FLOWS, cast.user(user)))
        flows = {task.flow_task.flow_class for task in tasks}
        budget = PAGE_BUDGETS[url] - 1 + SESSION_QUERIES + len(flows) - 1  # each flow past the first: its summaries' query
        assert len(captured) <= budget, [query["sql"][:80] for query in captured]
        for task in tasks:
            assert briefs.process_brief(task.process) in page
