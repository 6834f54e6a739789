"""A task's and a process's summary (摘要, 流程摘要) as viewflow writes them, with each template compiled once.

viewflow's `Process.brief` and `Task.brief` compile their summary template (a flow's
`process_summary_template`, a node's `summary_template`, …) from its source on every call: a task
list page compiled forty templates to show twenty rows. The sources are a handful of constants of
the flows, so each is compiled the first time it is met and kept. The choice of template and the
context are viewflow's, unchanged (viewflow/workflow/models.py).
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.core.exceptions import FieldDoesNotExist
from django.template import Context, Template
from django.template.base import TextNode, Variable, VariableNode
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


# --- what the summaries read ---------------------------------------------------------------------------
#
# A list loads, for its rows' summaries, each flow's process row with the rows it reaches (a case, a
# referral and its agencies). Loading those rows whole cost more than the summaries: a case has some
# fifty columns, and making each of them a model attribute was half of a task list page's loading. The
# summaries are templates of plain variables (`{{ process.case.number }}`), so the columns they read
# can be found in them; a list then loads only those (`read_paths`).

DISPLAY = re.compile(r"get_(\w+)_display")
FLOW_ROOTS = {"flow_task", "flow_class"}  # the flow's own objects: nothing from the database


def summary_sources(flow_class) -> list[str]:
    """Every template a summary of the flow's processes and tasks can be written from (casework.briefs)."""
    sources = [flow_class.process_result_template, flow_class.process_summary_template, flow_class.process_description,
               DEFAULT_PROCESS_SUMMARY, DEFAULT_TASK_SUMMARY]
    for node in flow_class.instance.nodes():
        sources += [getattr(node, name, None) for name in ("task_result_template", "task_summary_template", "task_description", "task_title")]
    return list(dict.fromkeys(force_str(source) for source in sources if source))


@lru_cache(maxsize=64)
def read_paths(flow_class) -> tuple[str, ...] | None:
    """The fields, as paths from the flow's process model (`case__number`), that its summaries read;
    None when a summary reads something else (a tag, a method, a whole related object, a variable
    argument of a filter): then a list loads the rows whole."""
    paths: set[str] = set()
    for source in summary_sources(flow_class):
        variables = _variables(source)
        if variables is None:
            return None
        for root, *names in variables:
            if root in FLOW_ROOTS:
                continue
            if root == "task":  # the task row is loaded whole, but not what it leads to
                if not names or (_field_path(flow_class.task_class, names) or "__").count("__"):
                    return None
                continue
            path = _field_path(flow_class.process_class, names) if root == "process" and names else None
            if path is None:
                return None
            paths.add(path)
    return tuple(sorted(paths))


@lru_cache(maxsize=64)
def related_paths(flow_class) -> tuple[str, ...]:
    """The relations, as paths from the flow's process model (`referral__to_agency`), that the
    variables of its summaries follow, inside tags too: what a list joins to the process rows when it
    loads them whole (`read_paths` is None). A relation reached some other way (a method, a tag's own
    lookup) is read on its own, as Django reads any relation not joined: slower, never wrong."""
    found: set[str] = set()
    for source in summary_sources(flow_class):
        for node in compiled(source).nodelist.get_nodes_by_type(VariableNode):
            variable = node.filter_expression.var
            if isinstance(variable, Variable) and variable.lookups and variable.lookups[0] == "process":
                found.update(_relations(flow_class.process_class, variable.lookups[1:]))
    return tuple(sorted(found))


def _relations(model, names):
    """Each forward relation along `names` from `model`, as a path: `case`, then `case__handler`, …"""
    path: list[str] = []
    for name in names:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return
        if not (field.concrete and field.is_relation and (field.many_to_one or field.one_to_one)):
            return
        path.append(name)
        yield "__".join(path)
        model = field.related_model


def _variables(source: str) -> list[tuple[str, ...]] | None:
    """The variables a template prints, each as its lookups; None if it does anything but print text and variables."""
    found = []
    for node in compiled(source).nodelist:
        if isinstance(node, TextNode):
            continue
        if not isinstance(node, VariableNode):
            return None
        expression = node.filter_expression
        if any(is_lookup and argument.lookups for _, arguments in expression.filters for is_lookup, argument in arguments):
            return None
        if isinstance(expression.var, Variable) and expression.var.lookups:
            found.append(expression.var.lookups)
    return found


def _field_path(model, names: list[str]) -> str | None:
    """`case__number` for `["case", "number"]` on a process model, following forward relations; None
    for anything but a concrete field at the end (`get_<field>_display` counts as its field)."""
    path = []
    for position, name in enumerate(names):
        last = position == len(names) - 1
        if last and (display := DISPLAY.fullmatch(name)):
            name = display[1]
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not field.concrete or (field.is_relation and (last or not (field.many_to_one or field.one_to_one))):
            return None
        path.append(name)
        if field.is_relation:
            model = field.related_model
        elif not last:
            return None
    return "__".join(path)
