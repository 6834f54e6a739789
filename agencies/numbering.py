"""文号 registers: one per organ × family × year, allocated under a row lock.

The serial is taken inside the caller's transaction, so a rolled-back issue gives its number back
(nothing was issued) and a committed one can never be handed out again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from agencies.models import Agency, DocumentRegister


@dataclass(frozen=True)
class DocumentNumber:
    prefix: str
    family: str
    year: int
    serial: int

    @property
    def text(self) -> str:
        """GB/T 9704: 机关代字 + 〔年份〕 + 序号 + 号, no leading zeros, no 第."""
        return f"{self.prefix}{self.family}〔{self.year}〕{self.serial}号"


def _register_for_update(agency: Agency, family: str, year: int) -> DocumentRegister:
    register = DocumentRegister.objects.select_for_update().filter(agency=agency, family=family, year=year).first()
    if register is not None:
        return register
    try:
        with transaction.atomic():  # savepoint: a concurrent first issue may create the row first
            DocumentRegister.objects.create(agency=agency, family=family, year=year)
    except IntegrityError:
        pass
    return DocumentRegister.objects.select_for_update().get(agency=agency, family=family, year=year)


def allocate_number(*, agency: Agency, family: str, year: int) -> DocumentNumber:
    """Take the next serial of the register. Must run inside the transaction that issues the document."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_number must be called inside the transaction that issues the document")
    register = _register_for_update(agency, family, year)
    register.last_serial += 1
    register.save(update_fields=["last_serial"])
    return DocumentNumber(prefix=agency.doc_prefix, family=family, year=year, serial=register.last_serial)
