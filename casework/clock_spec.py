"""A legal limit as a table row, for the services that start clocks from a table (referral's
transfer limits, casework.source_clocks' handoff clocks). Kept apart from casework.clocks, which
the forms reach through the escalation flow, so that a form may read a table without a cycle."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

CRIMINAL_DAYS = "criminal_days"  # 310 counts plain 日: the unit is a setting (domain §0)


@dataclass(frozen=True)
class ClockSpec:
    """What is due, on what basis, how long (`unit` may be CRIMINAL_DAYS: a setting), from which event."""

    code: str
    title: str
    legal_basis: str
    amount: int
    unit: str
    start_event: str

    @property
    def resolved_unit(self) -> str:
        return settings.LIANBAN_CRIMINAL_DAY_UNIT if self.unit == CRIMINAL_DAYS else self.unit
