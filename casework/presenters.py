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


def chart_titles_wrapped(grid, *, padding: int = 10) -> None:
    """Break each step's title on viewflow's chart into lines that fit its box.

    viewflow wraps a title at 20 characters, which suits English words; a Chinese character is about
    as wide as the font size, so 「决定是否复议或建议立案监督」 ran out of its 150 px box. Here lines
    are filled by measured width (a CJK character one font size, anything else 0.6 of it)."""
    for cell in grid.cells:
        if not cell.shape.text:
            continue
        _, css_class, font_size, x, _ = cell.shape.text[0]
        title = str(cell.node.task_title) if cell.node.task_title else " ".join(cell.node.name.capitalize().split("_"))
        room = cell.shape.width - 2 * padding
        lines, line, used = [], "", 0.0
        for char in title:
            width = font_size if not char.isascii() else font_size * 0.6
            if line and used + width > room:
                lines.append(line.strip())
                line, used = "", 0.0
            line, used = line + char, used + width
        lines.append(line.strip())
        if len(lines) > 1 and not any(char.isascii() for char in title):  # even lines: 「决定是否复议」「或建议立案监督」
            size = -(-len(title) // len(lines))
            lines = [title[start:start + size] for start in range(0, len(title), size)]
        leading = font_size * 1.2
        top = int((cell.shape.height - (len(lines) - 1) * leading) / 2)
        cell.shape.text = [(text, css_class, font_size, x, top + n * leading) for n, text in enumerate(lines)]
