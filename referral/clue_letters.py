"""The 线索移送函 (T4) of a clue referral, built from the referral and its case."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils import timezone

from referral.letters.clue_letter import ClueLetter, Involved
from referral.letters.transfer_notice import Attachment
from referral.models import Referral, ReferralKind


def parse_persons(text: str) -> tuple[Involved, ...]:
    """One person a line, as the form asks: “姓名，单位，职务” (commas full- or half-width)."""
    people = []
    for line in text.splitlines():
        parts = [part.strip() for part in re.split(r"[，,、]", line) if part.strip()]
        if not parts:
            continue
        name, unit, role = parts[0], parts[1] if len(parts) > 1 else "", "，".join(parts[2:]) or "有关人员"
        people.append(Involved(name=name, role=role, unit=unit))
    return tuple(people)


def clue_letter_for(referral: Referral, *, number: str) -> ClueLetter:
    case = referral.case
    subjects = tuple(
        Involved(
            name=subject.name, role=subject.get_kind_display(), identifier=subject.identifier,
            identifier_label=subject.get_identifier_type_display(),
        )
        for subject in case.subjects.all()
    )
    discipline = referral.kind == ReferralKind.DISCIPLINE
    days = settings.LIANBAN_DISCIPLINE_FEEDBACK_DAYS if discipline else settings.LIANBAN_CLUE_FEEDBACK_DAYS
    source = case.get_source_display() + (f"（{case.source_detail}）" if case.source_detail else "")
    return ClueLetter(
        number=number,
        issuing_agency=referral.from_agency.name,
        receiving_agency=referral.to_agency.name,
        kind=referral.kind,
        case_title=referral.case_title,
        source=f"本线索来源于{source}，系我局在查处{case.title}过程中发现。",
        involved=parse_persons(referral.persons_involved) + subjects,
        facts=referral.facts,
        request=referral.request,
        feedback_days=days or None,
        amount=referral.amount or None,
        attachments=tuple(Attachment(name=item.evidence.title, pages=item.evidence.pages) for item in referral.package_items.select_related("evidence")),
        contact_name=referral.contact_name,
        contact_phone=referral.contact_phone,
        issued_on=timezone.localdate(),
        secrecy=settings.LIANBAN_DISCIPLINE_SECRECY if discipline else "",
    )
