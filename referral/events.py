"""What every referral step does besides its change: record it and tell the people concerned."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.audit import audit_append
from agencies.models import Agency, Role
from agencies.selectors import officer_users
from notifications.services import notify
from referral.models import Referral, ReferralStatus

HANDLING_ROLES = (Role.OFFICER, Role.SECTION_CHIEF, Role.HEAD)


def referral_url(referral: Referral) -> str:
    return reverse("referrals:detail", args=[referral.pk])


def record(referral: Referral, *, actor, verb: str, summary: str, agency: Agency | None = None, data: dict | None = None) -> None:
    """Append the audit event of a referral step: on the case's timeline, except for a confidential
    referral, whose events stay on its own thread (the case's other readers must not learn of it)."""
    on_case = referral.case_id is not None and not referral.confidential
    thread = f"case:{referral.case_id}" if on_case else f"referral:{referral.pk}"
    audit_append(
        actor=actor, verb=verb, target=referral, agency=agency or referral.from_agency, thread=thread, summary=summary, data=data,
    )


def sending_side(referral: Referral) -> list:
    """The bureau officers who carry the transfer: its preparer and the task force."""
    return [referral.created_by, *referral.task_force.all()]


def agency_handlers(agency: Agency) -> list:
    """Who acts for an agency on an incoming step: its officers, section chiefs and head."""
    return officer_users(agency=agency, roles=HANDLING_ROLES)


def tell(recipients, referral: Referral, *, event: str, title: str, body: str = "") -> None:
    notify(recipients=recipients, event=event, title=f"{title}：{referral.case_title}", body=body, url=referral_url(referral))


def receipt_time(referral: Referral, received_at: datetime) -> datetime:
    """A 回执's time, to the minute: only for something sent and waiting, never before it was sent
    nor in the future (the receiving side's clock starts here)."""
    if referral.status != ReferralStatus.SENT:
        raise ValidationError("该移送不在待签收状态。")
    received_at = received_at.replace(second=0, microsecond=0)
    if received_at < referral.sent_at.replace(second=0, microsecond=0):
        raise ValidationError({"received_at": "签收时间不能早于移送时间。"})
    if received_at > timezone.now():
        raise ValidationError({"received_at": "签收时间不能晚于当前时间。"})
    return received_at
