"""Leads pushed by connected systems: received once per idempotency key, signed for by an officer
of the bureau (who registers the case and becomes its 承办人) or returned with a reason.

The case is registered as of the moment the lead arrived, so its 15-working-day filing clock runs
from receipt (domain.md §3), however long the lead waited for someone to sign for it."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies import recording
from agencies.audit import audit_append
from agencies.permissions import ACT_FOR_AGENCY, can_act_for
from casework.intake import lead_start
from casework.models import Case
from systems.models import ConnectedSystem, LeadStatus, SubmittedLead


class KeyReused(Exception):
    """The idempotency key was used before for a lead with other content."""


def _digest(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _audit(lead: SubmittedLead, *, actor, verb: str, summary: str) -> None:
    audit_append(actor=actor, verb=verb, target=lead, agency=lead.agency, thread=f"system:{lead.system_id}", summary=summary)


def lead_submit(*, system: ConnectedSystem, key: str, payload: dict) -> tuple[SubmittedLead, bool]:
    """The lead for this key: new (True), or the one already received with the same content (False).
    KeyReused when the key came before with other content; nothing is written then."""
    digest = _digest(payload)
    try:
        with transaction.atomic():
            lead = SubmittedLead.objects.create(system=system, agency=system.agency, idempotency_key=key, payload=payload,
                                                payload_digest=digest, received_at=timezone.now())
            _audit(lead, actor=None, verb="lead.submitted",
                   summary=f"接入系统“{system.name}”推送线索：{payload['title']}（待签收）")
    except IntegrityError:  # the key was used before (or just now, by a retry racing this request)
        lead = SubmittedLead.objects.get(system=system, idempotency_key=key)
        if lead.payload_digest != digest:
            raise KeyReused(key) from None
        return lead, False
    return lead, True


def can_sign_for(user, lead: SubmittedLead) -> bool:
    return can_act_for(user, lead.agency, ACT_FOR_AGENCY)


def _pending(user, lead: SubmittedLead) -> SubmittedLead:
    lead = SubmittedLead.objects.select_for_update().select_related("system", "agency").get(pk=lead.pk)
    if not can_sign_for(user, lead):
        raise PermissionDenied("只有线索送达的医疗保障局的工作人员可以签收或退回。")
    if lead.status != LeadStatus.PENDING:
        raise ValidationError(f"该线索{lead.get_status_display()}，不能再办理。")
    return lead


@transaction.atomic
def lead_accept(*, user, lead: SubmittedLead) -> Case:
    """签收登记: the officer registers the lead as the bureau's case, dated when it arrived."""
    lead = _pending(user, lead)
    fields = {**lead.payload, "amount_involved": Decimal(lead.payload.get("amount_involved") or "0")}
    with recording.as_of(lead.received_at):
        case = lead_start(user=user, **fields)
    lead.status, lead.case, lead.handled_by, lead.handled_at = LeadStatus.ACCEPTED, case, user, timezone.now()
    lead.save()
    _audit(lead, actor=user, verb="lead.accepted", summary=f"签收接入线索“{lead.title}”，登记为 {case.number}")
    return case


@transaction.atomic
def lead_return(*, user, lead: SubmittedLead, reason: str) -> SubmittedLead:
    """退回: not for this bureau, a duplicate, or too vague to check; the system reads the reason."""
    lead = _pending(user, lead)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "请写明退回理由（如不属本局管辖、重复推送、内容不足以核查）。"})
    lead.status, lead.return_reason, lead.handled_by, lead.handled_at = LeadStatus.RETURNED, reason, user, timezone.now()
    lead.save()
    _audit(lead, actor=user, verb="lead.returned", summary=f"退回接入线索“{lead.title}”：{reason}")
    return lead
