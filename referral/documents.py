"""Issuing numbered documents: allocate the 文号, build the file with it, store it immutably."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.audit import audit_append
from agencies.models import Agency, AgencyKind
from agencies.numbering import allocate_number
from agencies.selectors import agency_counterparts
from casework.models import Case
from referral.letters.transfer_notice import (
    DEFAULT_LEGAL_BASIS,
    Attachment,
    Officer,
    Party,
    TransferNotice,
)
from referral.models import IssuedDocument, Referral

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@transaction.atomic
def document_issue(
    *,
    agency: Agency,
    family: str,
    title: str,
    case: Case,
    issued_by,
    build: Callable[[str], bytes],
    referral: Referral | None = None,
) -> IssuedDocument:
    """Take the next number of the register, build the document with it and store it, in one transaction."""
    issued_at = timezone.now()
    number = allocate_number(agency=agency, family=family, year=timezone.localtime(issued_at).year)
    content = build(number.text)
    document = IssuedDocument.objects.create(
        agency=agency,
        family=family,
        year=number.year,
        serial=number.serial,
        number=number.text,
        title=title,
        case=case,
        referral=referral,
        filename=f"{number.text}{title}.docx",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        issued_by=issued_by,
        issued_at=issued_at,
    )
    confidential = referral is not None and referral.confidential  # its letter stays off the case's timeline
    audit_append(
        actor=issued_by, verb="document.issued", target=document, agency=agency,
        thread=f"referral:{referral.pk}" if confidential else f"case:{case.pk}",
        summary=f"签发《{title}》{number.text}", data={"sha256": document.sha256},
    )
    return document


def transfer_notice_for(referral: Referral, *, number: str) -> TransferNotice:
    """The 涉嫌犯罪案件移送书 of a referral, as typed input for the letter builder."""
    case = referral.case
    parties = tuple(
        Party(
            name=subject.name,
            kind_label=subject.get_kind_display(),
            identifier_label=subject.get_identifier_type_display(),
            identifier=subject.identifier,
            address=subject.address,
            legal_representative=subject.legal_representative,
        )
        for subject in case.subjects.all()
    )
    attachments = (
        Attachment(name="涉嫌犯罪案件情况的调查报告"),
        Attachment(name="涉案物品清单"),
        *(
            Attachment(name=f"{item.evidence.get_kind_display()}：{item.evidence.title}", pages=item.evidence.pages)
            for item in referral.package_items.select_related("evidence")
        ),
    )
    officers = tuple(
        Officer(name=user.officer.display_name, badge_number=user.officer.badge_number)
        for user in referral.task_force.select_related("officer").order_by("pk")
    )
    copy_to: tuple[str, ...] = ()
    if settings.LIANBAN_TRANSFER_COPY_TO_PROCURATORATE:
        copy_to = tuple(agency.name for agency in agency_counterparts(agency=referral.from_agency, kind=AgencyKind.PROCURATORATE))
    return TransferNotice(
        number=number,
        issuing_agency=referral.from_agency.name,
        receiving_agency=referral.to_agency.name,
        case_title=referral.case_title,
        parties=parties,
        facts=referral.facts,
        amount=referral.amount,
        suspected_offence=referral.suspected_offence,
        legal_basis=DEFAULT_LEGAL_BASIS,
        attachments=attachments,
        officers=officers,
        contact_name=referral.contact_name,
        contact_phone=referral.contact_phone,
        issued_on=timezone.localdate(),
        copy_to=copy_to,
    )

