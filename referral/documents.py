"""Issuing numbered documents: allocate the 文号, build the file with it, store it immutably."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.dates import format_date
from agencies.audit import audit_append
from agencies.models import Agency, AgencyKind
from agencies.numbering import allocate_number
from agencies.selectors import agency_counterparts
from casework.models import Case
from referral.letters.investigation_report import InvestigationReport
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
    """Take the next number of the register, build the document with it and store it, in one transaction.
    An empty `family` issues an attachment that carries no 文号 of its own (e.g. the 调查报告)."""
    issued_at = timezone.now()
    year = timezone.localtime(issued_at).year
    number = allocate_number(agency=agency, family=family, year=year) if family else None
    content = build(number.text if number else "")
    document = IssuedDocument.objects.create(
        agency=agency,
        family=family,
        year=year,
        serial=number.serial if number else None,
        number=number.text if number else None,
        title=title,
        case=case,
        referral=referral,
        filename=f"{number.text if number else ''}{title}.docx",
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
        summary=f"签发《{title}》{number.text if number else ''}", data={"sha256": document.sha256},
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


def investigation_report_for(referral: Referral, *, transfer_number: str) -> InvestigationReport:
    """The 涉嫌犯罪案件情况的调查报告 (T2) from the package: the officers' written account fills the
    调查经过, the rest comes from the case and the package."""
    case = referral.case
    subjects = [f"{s.name}（{s.get_kind_display()}），{s.get_identifier_type_display()}：{s.identifier}" for s in case.subjects.all()]
    evidence = "、".join(item.evidence.title for item in referral.package_items.select_related("evidence"))
    source = case.get_source_display() + (f"（{case.source_detail}）" if case.source_detail else "")
    return InvestigationReport(
        agency=referral.from_agency.name,
        case_title=referral.case_title,
        parties="\n".join(subjects),
        source=f"本案线索来源于{source}，于{format_date(case.registered_at)}登记。",
        process=referral.investigation_report,
        facts_and_evidence=referral.facts + (f"\n上述事实有以下证据证实：{evidence}。" if evidence else ""),
        amount_calculation="按医保结算数据逐笔核算，涉案金额如下。",
        legal_analysis=f"当事人的上述行为涉嫌{referral.suspected_offence}。依照《行政执法机关移送涉嫌犯罪案件的规定》第三条，应当向公安机关移送。",
        measures_taken=case.outcome or "移送前尚未作出行政处罚决定；行政处理措施待刑事程序结果后依法决定。",
        conclusion=f"建议将本案移送{referral.to_agency.name}依法审查。",
        amount=referral.amount,
        officers=tuple(
            Officer(name=user.officer.display_name, badge_number=user.officer.badge_number)
            for user in referral.task_force.select_related("officer").order_by("pk")
        ),
        reported_on=timezone.localdate(),
        transfer_number=transfer_number,
    )
