"""The task lists' row addresses come from a pattern reversed once (agencies.links), and are the
addresses Django's `reverse()` gives, for every step of every flow, under any script prefix."""

from __future__ import annotations

import re

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix
from viewflow.workflow.flow.nodes import View

from agencies import links
from casework import tasklists
from config.urls import workflow
from demo.stories import PENDING_APPROVAL, PENDING_FILING

FLOWS = workflow.flow_classes


def every_step_view():
    for flow_class in FLOWS:
        for node in flow_class.instance.nodes():
            if isinstance(node, View):
                for viewname in ("index", "assign", "execute", "detail"):
                    yield node, viewname


@pytest.mark.parametrize("process_pk, task_pk", [(1, 2), (7, 7), (123456, 9), (2**40, 10**12 + 3)])
def test_every_steps_address_is_what_reverse_gives(process_pk, task_pk):
    checked = 0
    for node, viewname in every_step_view():
        assert links.row_url(node.reverse, viewname, process_pk, task_pk) == node.reverse(viewname, args=[process_pk, task_pk])
        checked += 1
    for flow_class in FLOWS:
        viewset = flow_class.parent
        assert links.row_url(viewset.reverse, "process_detail", process_pk) == viewset.reverse("process_detail", args=[process_pk])
    assert checked >= 4 * 10, "every human step of the flows"


def test_a_site_under_a_path_gets_addresses_under_that_path():
    node, viewname = next(every_step_view())
    plain = links.row_url(node.reverse, viewname, 5, 6)
    set_script_prefix("/lianban/")
    try:
        prefixed = links.row_url(node.reverse, viewname, 5, 6)
        assert prefixed == node.reverse(viewname, args=[5, 6]) == "/lianban" + plain
    finally:
        clear_script_prefix()
    assert links.row_url(node.reverse, viewname, 5, 6) == plain


def test_a_view_that_takes_no_integer_key_is_refused():
    with pytest.raises(ValueError, match="does not carry its keys"):
        links.row_url(lambda viewname, args: reverse("cases:index"), "index", 5)


@pytest.mark.django_db
def test_the_queue_links_each_row_to_its_step_and_its_process(cast, tell, login):
    tell(PENDING_FILING, title="甲医院涉嫌串换药品案")
    tell(PENDING_APPROVAL, title="乙诊所涉嫌虚构医药服务案")
    page = login("msb_head").get("/workflow/queue/").content.decode()
    tasks = list(tasklists.queue(FLOWS, cast.user("msb_head")))
    assert len(tasks) >= 2
    for task in tasks:
        step = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        process = task.flow_task.flow_class.parent.reverse("process_detail", args=[task.process_id])
        assert f'<a href="{step}">#{task.process_id}/{task.pk}</a>' in page
        assert re.search(rf'<a href="{re.escape(process)}">[^<]+</a>', page)
