"""A task's and a process's summary (摘要, 流程摘要) as viewflow writes them, with each template compiled once.

viewflow's `Process.brief` and `Task.brief` compile their summary template (a flow's
`process_summary_template`, a node's `summary_template`, …) from its source on every call: a task
list page compiled forty templates to show twenty rows. The sources are a handful of constants of
the flows, so each is compiled the first time it is met and kept. The choice of template and the
context are viewflow's, unchanged (viewflow/workflow/models.py).
"""

from __future__ import annotations

from functools import lru_cache

from django.template import Context, Template
from django.utils.encoding import force_str

DEFAULT_PROCESS_SUMMARY = "{{ flow_class.process_title }} - {{ process.get_status_display }}"
DEFAULT_TASK_SUMMARY = "{{ flow_task }}/{{ task.get_status_display }}"


@lru_cache(maxsize=256)
def compiled(source: str) -> Template:
    return Template(source)


def process_brief(process) -> str:
    """viewflow's `Process.brief`: the result template of a finished process, else its summary, description or title."""
    flow_class = process.flow_class
    if flow_class is None:
        return ""
    source = (
        (flow_class.process_result_template if process.finished else "")
        or flow_class.process_summary_template
        or flow_class.process_description
        or DEFAULT_PROCESS_SUMMARY
    )
    return compiled(force_str(source)).render(Context({"process": process.coerced, "flow_class": flow_class}))


def task_brief(task) -> str:
    """viewflow's `Task.brief`: the node's result template of a finished task, else its summary, description or title."""
    node = task.flow_task
    if not node:
        return "< No flow_task assigned >"
    source = (
        (node.task_result_template if task.finished else "")
        or node.task_summary_template
        or node.task_description
        or node.task_title
        or DEFAULT_TASK_SUMMARY
    )
    context = {"process": task.process.coerced, "task": task.coerced, "flow_class": node.flow_class, "flow_task": node}
    return compiled(force_str(source)).render(Context(context))
