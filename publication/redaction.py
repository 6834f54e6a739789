"""The public text of a typical case: persons' names reduced to the surname (张三 → 张某), and every
identity number, phone number and the reporter's details taken out (个人信息保护法; domain.md §6.11:
the reporter stays confidential). Organisations keep their names: their exposure is the point.

`leaks` finds what is still there, so a text edited by hand is checked again before it is saved."""

from __future__ import annotations

import re
from dataclasses import dataclass

from casework.models import ORGANISATION_KINDS, Case

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15}|[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Za-z])")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_HIDDEN, PHONE_HIDDEN, REPORTER_HIDDEN = "（证件号码已隐去）", "（电话号码已隐去）", "（举报人信息已隐去）"


def masked_name(name: str) -> str:
    """A person's name as published: the surname and 某 (a name already masked stays as it is)."""
    name = name.strip()
    return name if not name or "某" in name else f"{name[0]}某"


@dataclass(frozen=True)
class Private:
    text: str  # as it appears in the case's records
    what: str  # what it is, for the message that finds it
    replacement: str


def private_parts(case: Case) -> list[Private]:
    """What of the case may not be published, longest first (a full name before a part of it)."""
    parts: list[Private] = []
    for subject in case.subjects.all():
        if subject.kind not in ORGANISATION_KINDS and "某" not in subject.name and len(subject.name.strip()) > 1:
            parts.append(Private(subject.name, "当事人姓名", masked_name(subject.name)))
        if len(subject.legal_representative.strip()) > 1 and "某" not in subject.legal_representative:
            parts.append(Private(subject.legal_representative, "法定代表人姓名", masked_name(subject.legal_representative)))
        if subject.identifier:
            parts.append(Private(subject.identifier, "证件号码", ID_HIDDEN))
    if case.reporter_name:
        parts.append(Private(case.reporter_name, "举报人姓名", REPORTER_HIDDEN))
    if case.reporter_contact:
        parts.append(Private(case.reporter_contact, "举报人联系方式", REPORTER_HIDDEN))
    return sorted((p for p in parts if p.text.strip()), key=lambda p: len(p.text), reverse=True)


def redact(text: str, case: Case) -> str:
    for part in private_parts(case):
        text = text.replace(part.text, part.replacement)
    return PHONE.sub(PHONE_HIDDEN, ID_NUMBER.sub(ID_HIDDEN, text))


def leaks(text: str, case: Case) -> list[str]:
    """What in `text` may not be published, each named with what it is ("李四（当事人姓名）")."""
    found = [f"{part.text}（{part.what}）" for part in private_parts(case) if part.text in text]
    found += [f"{number}（证件号码）" for number in ID_NUMBER.findall(text)]
    found += [f"{number}（电话号码）" for number in PHONE.findall(text)]
    return list(dict.fromkeys(found))
