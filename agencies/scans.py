"""Parallel scans for the reports that aggregate much, on connections that otherwise plan without them.

The application's PostgreSQL connections start with `max_parallel_workers_per_gather = 0`
(config/settings.py): a page reads twenty rows from an index, and the workers PostgreSQL started
whenever it expected many rows cost a page milliseconds of start-up for nothing. A leader's report
counts a region's whole period (the 统计 page, the dashboard: hundreds of thousands of rows at 1M
cases), where the workers earn their start-up: those views read inside `parallel_scans()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

from django.conf import settings
from django.db import connection, transaction
from django.template.response import SimpleTemplateResponse


WORKERS = "max_parallel_workers_per_gather"


@contextmanager
def parallel_scans() -> Iterator[None]:
    """Let the statements inside plan with LIANBAN_DB_REPORT_PARALLEL_WORKERS workers (PostgreSQL: in a
    transaction, set for it alone and set back on the way out, should the caller's transaction go on).
    Elsewhere nothing changes."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        before = _set_workers(str(settings.LIANBAN_DB_REPORT_PARALLEL_WORKERS))
        yield
        _set_workers(before)  # on an error the block's rollback undoes the setting instead


def _set_workers(value: str) -> str:
    """Set the workers for the rest of the transaction; what they were."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [WORKERS])
        before = cursor.fetchone()[0]
        cursor.execute("SELECT set_config(%s, %s, true)", [WORKERS, value])
    return before


def with_parallel_scans(view: Callable) -> Callable:
    """A view that reads (and renders: a TemplateResponse reads its querysets then) inside `parallel_scans`."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with parallel_scans():
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response = response.render()  # as Django's handler would, after the view: a no-op once rendered
            return response
    return wrapped
