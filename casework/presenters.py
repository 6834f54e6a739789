"""Small helpers that turn workflow rows into what a page shows."""

from __future__ import annotations

from django.db.models import Count, Max, Q
from viewflow.workflow import STATUS


def open_tasks_for(process, user) -> list:
    """The process's open human tasks, each marked with whether `user` can take or do it, and its link."""
    if process is None:
        return []
    tasks = []
    for task in process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN").select_related("owner"):
        node = task.flow_task
        task.can_act = node.can_assign(user, task) or node.can_execute(user, task)
        task.index_url = node.reverse("index", args=[task.process_id, task.pk])
        task.process_title = node.flow_class.process_title
        tasks.append(task)
    return tasks


def process_links(process) -> dict:
    if process is None:
        return {}
    flow = process.flow_class.instance
    return {
        "process_url": flow.reverse("process_detail", args=[process.pk]),
        "chart_url": f"{flow.reverse('process_chart', args=[process.pk])}?v={chart_version(process)}",
    }


def chart_version(process) -> str:
    """Changes whenever a step of the process starts or ends: the chart's address carries it, so a page
    refreshed after a step never shows the highlight a browser kept from before."""
    state = process.task_set.aggregate(last=Max("id"), done=Count("id", filter=Q(finished__isnull=False)))
    return f"{state['last'] or 0}-{state['done']}-{process.status}"
