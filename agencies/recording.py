"""代录: a step an agency not yet on Lianban takes on paper, entered by a clerk of the agency it deals with.

Most partner agencies will join Lianban later than the bureau. Until then an agency is marked
"recorded by" another (`Agency.recorded_by`): the clerks (文书) of that agency may act for it
(agencies.services.agency_set_recorder grants them the agency's task permission), and each step
they enter is the paper one — its scanned document on record, the real date it was taken, and the
mark 「代录」 with who entered it.

While a step is entered, `on_paper` holds what happened on paper. The services read the time of
what they record from `now()`, so the legal clocks start and stop on the day the step was really
taken; the audit trail keeps its own time (when it was entered) and marks each event 【代录】.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from agencies.dates import format_datetime_minute


@dataclass(frozen=True)
class PaperStep:
    agency: Any  # the Agency that took the step on paper
    occurred_at: datetime  # when it took it (the date on the document, or when it was served)
    recorded_by: Any  # the clerk who enters it

    @property
    def mark(self) -> str:
        name = getattr(getattr(self.recorded_by, "officer", None), "display_name", "") or self.recorded_by.get_username()
        return f"【代录】{self.agency.short_name}纸质办理于{format_datetime_minute(self.occurred_at)}，由{name}录入"

    def as_data(self) -> dict[str, Any]:
        return {"agency": self.agency.pk, "occurred_at": self.occurred_at.isoformat(), "recorded_by": self.recorded_by.pk}


_current: ContextVar[PaperStep | None] = ContextVar("lianban_paper_step", default=None)
_moment: ContextVar[datetime | None] = ContextVar("lianban_recorded_moment", default=None)


def current() -> PaperStep | None:
    return _current.get()


def now() -> datetime:
    """When what is being recorded happened: the paper step's time while one is entered (or the
    moment `as_of` gives), else now."""
    step = _current.get()
    if step is not None:
        return step.occurred_at
    return _moment.get() or timezone.now()


@contextmanager
def on_paper(step: PaperStep) -> Iterator[PaperStep]:
    token = _current.set(step)
    try:
        yield step
    finally:
        _current.reset(token)


@contextmanager
def as_of(moment: datetime) -> Iterator[datetime]:
    """Record what the services do as having happened at `moment`, without the 代录 mark: how the demo
    tells its stories over the days they would really take (demo.stories). The audit trail keeps
    its own time."""
    token = _moment.set(moment)
    try:
        yield moment
    finally:
        _moment.reset(token)
