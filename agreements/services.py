"""Every write about institutions, designation and agreement handling: one transaction each, audited;
bad input changes nothing. Practitioners' payment eligibility is in agreements.practitioners."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from agencies.dates import format_date
from agencies.audit import audit_append
from agencies.models import AgencyKind, Role
from agencies.selectors import agency_counterparts, officer_users
from agreements.models import (
    ONE_OFF_KINDS,
    ActionKind,
    ActionStatus,
    AgreementAction,
    AgreementStatus,
    DesignationApplication,
    Institution,
    Organisation,
    TerminationGround,
    region_covers,
)
from agreements.permissions import can_handle_institution, can_receive_for_agency
from casework.clocks import first_day_after
from casework.models import Case
from casework.permissions import can_view_case
from notifications.services import notify



def not_in_future(day: date, field: str, label: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: f"{label}不能晚于今天。"})


def check_case_visible(user, case: Case | None) -> None:
    if case is not None and not can_view_case(user, case):
        raise ValidationError({"case": "您无权查看该案件，不能关联。"})


# --- institutions and designation -------------------------------------------------------------------


def _audit_institution(institution: Institution, *, actor, verb: str, summary: str, target=None, data=None) -> None:
    audit_append(
        actor=actor, verb=verb, target=target or institution, agency=institution.agency,
        thread=f"institution:{institution.pk}", summary=summary, data=data,
    )


PERSON_FIELDS = {"legal_representative": "法定代表人", "controller": "实际控制人"}


def _people(organisation: Organisation, fields: set[str]) -> dict[str, tuple[str, str]]:
    """Identity number → (role, name) of the persons behind `organisation` in the matched roles."""
    people: dict[str, tuple[str, str]] = {}
    for field, role in PERSON_FIELDS.items():
        number = getattr(organisation, f"{field}_id")
        if field in fields and number:
            people.setdefault(number, (role, getattr(organisation, field)))
    return people


def reapplication_bar(organisation: Organisation, *, on: date) -> str | None:
    """Why `organisation` may not apply for designation on `on`, or None.

    An institution whose agreement was terminated may not apply for LIANBAN_REAPPLICATION_BAR_YEARS.
    The bar is matched on the fields in LIANBAN_REAPPLICATION_BAR_MATCH (edge 14): the 统一社会信用代码,
    and the persons behind it — the same person (by identity number) as 法定代表人 or 实际控制人 of the
    terminated institution, under whatever new name.
    """
    match = set(settings.LIANBAN_REAPPLICATION_BAR_MATCH)
    applicant = _people(organisation, match)
    query = Q(uscc=organisation.uscc) if "uscc" in match else Q(pk__in=[])
    for field in PERSON_FIELDS.keys() & match:
        query |= Q(**{f"{field}_id__in": list(applicant)})
    barred = Institution.objects.filter(query, status=AgreementStatus.TERMINATED, barred_until__gt=on)
    for institution in barred.order_by("-barred_until"):
        ends = f"该机构医保协议于{format_date(institution.terminated_on)}解除，{format_date(institution.barred_until)}前不得申请医保定点。"
        if "uscc" in match and institution.uscc == organisation.uscc:
            return f"不予受理：统一社会信用代码 {organisation.uscc} 属于已解除医保协议的“{institution.name}”。{ends}"
        theirs = _people(institution, match)
        for number, (role, name) in applicant.items():
            if number in theirs:
                return f"不予受理：申请机构的{role}{name}是已解除医保协议的“{institution.name}”的{theirs[number][0]}。{ends}"
    return None


@transaction.atomic
def institution_register(
    *,
    user,
    name: str,
    uscc: str,
    kind: str,
    legal_representative: str,
    legal_representative_id: str,
    region_code: str,
    agreement_start: date,
    agreement_end: date,
    controller: str = "",
    controller_id: str = "",
) -> Institution:
    """Record an institution that signed a 医保协议 with the officer's 经办机构."""
    agency = can_receive_for_agency(user)
    if agency is None:
        raise PermissionDenied("只有医疗保障经办机构的工作人员可以登记定点医药机构。")
    institution = Institution(
        name=name.strip(), uscc=uscc, kind=kind, legal_representative=legal_representative.strip(),
        legal_representative_id=legal_representative_id, controller=controller, controller_id=controller_id,
        region_code=region_code, agency=agency, agreement_start=agreement_start, agreement_end=agreement_end,
    )
    institution.full_clean(validate_unique=False)
    refusal = reapplication_bar(institution, on=timezone.localdate())
    if refusal:
        raise ValidationError(refusal)
    existing = Institution.objects.select_for_update().filter(uscc=institution.uscc).first()
    if existing is not None and existing.status != AgreementStatus.TERMINATED:
        raise ValidationError(
            {"uscc": f"该统一社会信用代码已登记为定点医药机构：{existing.name}（协议状态：{existing.get_status_display()}）。"}
        )
    if existing is not None:  # terminated, and its bar has run (reapplication_bar above): the path back
        return _redesignate(existing, institution, user=user)
    institution.save()
    _audit_institution(
        institution, actor=user, verb="institution.registered",
        summary=f"登记定点医药机构：{institution.name}（协议期 {institution.agreement_start} 至 {institution.agreement_end}）",
    )
    return institution


REDESIGNATED_FIELDS = (
    "name", "kind", "legal_representative", "legal_representative_id", "controller", "controller_id", "region_code",
    "agency", "agreement_start", "agreement_end",
)


def _redesignate(existing: Institution, signed: Institution, *, user) -> Institution:
    """An institution whose 医保协议 was terminated signs a new one once its bar has run: the same
    record (one USCC, one history of 协议处理) with the new agreement's details; its earlier
    termination stays in its actions and in the audit event."""
    terminated_on, barred_until = existing.terminated_on, existing.barred_until
    for field in REDESIGNATED_FIELDS:
        setattr(existing, field, getattr(signed, field))
    existing.status, existing.terminated_on, existing.barred_until = AgreementStatus.NORMAL, None, None
    existing.save()
    _audit_institution(
        existing, actor=user, verb="institution.redesignated",
        summary=f"重新签订医保协议：{existing.name}（原协议于{format_date(terminated_on)}解除，"
        f"{format_date(barred_until)}起可重新申请；新协议期 {existing.agreement_start} 至 {existing.agreement_end}）",
        data={"terminated_on": terminated_on.isoformat(), "barred_until": barred_until.isoformat()},
    )
    return existing


@transaction.atomic
def application_submit(
    *,
    user,
    name: str,
    uscc: str,
    kind: str,
    legal_representative: str,
    legal_representative_id: str,
    region_code: str,
    received_on: date,
    controller: str = "",
    controller_id: str = "",
) -> DesignationApplication:
    """受理定点申请; refused (and nothing stored) while the applicant is under a 解除 bar."""
    agency = can_receive_for_agency(user)
    if agency is None:
        raise PermissionDenied("只有医疗保障经办机构的工作人员可以受理定点申请。")
    application = DesignationApplication(
        name=name.strip(), uscc=uscc, kind=kind, legal_representative=legal_representative.strip(),
        legal_representative_id=legal_representative_id, controller=controller, controller_id=controller_id,
        region_code=region_code, received_on=received_on, agency=agency, received_by=user,
    )
    application.full_clean()
    not_in_future(received_on, "received_on", "受理日期")
    if not region_covers(agency.region_code, application.region_code):
        raise ValidationError({"region_code": f"申请机构所在地不在{agency.name}的管辖范围（{agency.region_name}）内。"})
    refusal = reapplication_bar(application, on=received_on)
    if refusal:
        raise ValidationError(refusal)
    current = Institution.objects.filter(uscc=application.uscc).exclude(status=AgreementStatus.TERMINATED).first()
    if current is not None:
        raise ValidationError(f"“{current.name}”已是定点医药机构（协议状态：{current.get_status_display()}），无需重新申请。")
    application.save()
    audit_append(
        actor=user, verb="designation.received", target=application, agency=agency,
        thread=f"designation:{application.pk}", summary=f"受理定点申请：{application.name}",
    )
    return application


# --- agreement handling (协议处理) ------------------------------------------------------------------------


def _msb_officers(institution: Institution) -> list:
    """The same-level MSB supervises the 经办机构's agreement handling (domain §6.10)."""
    roles = [Role.OFFICER, Role.SECTION_CHIEF, Role.HEAD, Role.LEADER]
    return [
        user for msb in agency_counterparts(agency=institution.agency, kind=AgencyKind.MSB)
        for user in officer_users(agency=msb, roles=roles)
    ]


def _notify_msb(institution: Institution, *, event: str, title: str, body: str) -> None:
    url = reverse("agreements:detail", args=[institution.pk])
    notify(recipients=_msb_officers(institution), event=event, title=title, body=body, url=url)


def _suspensions_in_term(institution: Institution):
    return institution.actions.filter(
        kind=ActionKind.SUSPEND, decided_on__range=(institution.agreement_start, institution.agreement_end)
    ).order_by("decided_on")


def _check_history(institution: Institution, action: AgreementAction) -> None:
    """Rules that depend on what already happened to the institution."""
    ground_one = TerminationGround.REPEATED_SUSPENSION.label
    if institution.status == AgreementStatus.TERMINATED and action.kind not in {ActionKind.RECOVER, ActionKind.PENALTY}:
        raise ValidationError(
            {"kind": f"该机构医保协议已于{format_date(institution.terminated_on)}解除，只能登记追回违规费用或违约金。"}
        )
    if action.kind == ActionKind.SUSPEND:
        if institution.status == AgreementStatus.SUSPENDED:
            current = institution.actions.filter(kind=ActionKind.SUSPEND, status=ActionStatus.IN_FORCE).first()
            since = f"（自{format_date(current.decided_on)}起）" if current else ""
            raise ValidationError({"kind": (
                f"该机构医保协议已处于中止状态{since}，不能再次中止。"
                f"中止期间未按要求整改的，应依据令第2号第四十三条第（一）项解除医保协议：{ground_one}。"
            )})
        earlier = _suspensions_in_term(institution).last()
        if earlier is not None:
            raise ValidationError({"kind": (
                f"本协议期内（{format_date(institution.agreement_start)}至{format_date(institution.agreement_end)}）"
                f"已于{format_date(earlier.decided_on)}中止过医保协议（{earlier.document_number}），不能再次中止。"
                f"协议期内累计2次及以上中止的，应依据令第2号第四十三条第（一）项解除医保协议。"
            )})
    if action.ground == TerminationGround.REPEATED_SUSPENSION and not _suspensions_in_term(institution).exists():
        raise ValidationError({"ground": "本协议期内没有中止医保协议的记录，不能适用第四十三条第（一）项。"})


def action_prepare(
    *,
    user,
    institution: Institution,
    kind: str,
    decided_on: date,
    facts: str,
    document_number: str = "",
    amount: Decimal | None = None,
    rectify_by: date | None = None,
    ground: str = "",
    statement_heard: bool = False,
    case: Case | None = None,
) -> AgreementAction:
    """Check a 协议处理 decision without saving it (the confirmation page shows what it will do)."""
    if not can_handle_institution(user, institution):
        raise PermissionDenied("只有签约经办机构的工作人员可以作出协议处理。")
    action = AgreementAction(
        institution=institution, kind=kind, decided_on=decided_on, decided_by=user, agency=institution.agency,
        document_number=document_number.strip(), facts=facts.strip(), amount=amount, rectify_by=rectify_by,
        ground=ground, statement_heard=statement_heard, case=case,
        status=ActionStatus.ENDED if kind in ONE_OFF_KINDS else ActionStatus.IN_FORCE,
    )
    action.full_clean()
    not_in_future(decided_on, "decided_on", "处理日期")
    check_case_visible(user, case)
    _check_history(institution, action)
    return action


@transaction.atomic
def action_record(*, user, institution: Institution, **decision) -> AgreementAction:
    """Record a 协议处理 decision. A 中止 suspends the agreement; a 解除 ends it and starts the re-application bar."""
    institution = Institution.objects.select_for_update().select_related("agency").get(pk=institution.pk)
    action = action_prepare(user=user, institution=institution, **decision)
    action.save()
    amount = f"，金额 {action.amount} 元" if action.amount is not None else ""
    number = f"（{action.document_number}）" if action.document_number else ""
    _audit_institution(
        institution, actor=user, verb="agreement_action.recorded", target=action,
        summary=f"{action.get_kind_display()}{number}{amount}", data={"kind": action.kind, "facts": action.facts},
    )
    if action.kind == ActionKind.SUSPEND:
        institution.status = AgreementStatus.SUSPENDED
        institution.save(update_fields=["status"])
        _audit_institution(institution, actor=user, verb="agreement.suspended", summary="中止医保协议，中止期间发生的医保费用不予结算")
        _notify_msb(institution, event="agreement.suspended", title=f"中止医保协议：{institution.name}",
                    body=f"{institution.agency.short_name}于{format_date(action.decided_on)}中止该机构医保协议{number}。")
    elif action.kind == ActionKind.TERMINATE:
        _terminate(institution, action=action, user=user)
    return action


def _terminate(institution: Institution, *, action: AgreementAction, user) -> None:
    institution.status = AgreementStatus.TERMINATED
    institution.terminated_on = action.decided_on
    institution.barred_until = first_day_after(action.decided_on, 12 * settings.LIANBAN_REAPPLICATION_BAR_YEARS)
    institution.save(update_fields=["status", "terminated_on", "barred_until"])
    institution.actions.filter(kind=ActionKind.SUSPEND, status=ActionStatus.IN_FORCE).update(
        status=ActionStatus.ENDED, concluded_on=action.decided_on, conclusion="医保协议解除"
    )
    _audit_institution(
        institution, actor=user, verb="agreement.terminated",
        summary=f"解除医保协议（{action.get_ground_display()}），{format_date(institution.barred_until)}前不得申请医保定点",
    )
    _notify_msb(institution, event="agreement.terminated", title=f"解除医保协议：{institution.name}",
                body=f"{institution.agency.short_name}于{format_date(action.decided_on)}解除该机构医保协议（{action.document_number}）。")


def agreement_terminate(
    *, user, institution: Institution, decided_on: date, ground: str, document_number: str, facts: str,
    statement_heard: bool = False, case: Case | None = None,
) -> AgreementAction:
    """解除医保协议: status 解除, terminated_on, and barred_until = terminated_on + the bar years."""
    return action_record(
        user=user, institution=institution, kind=ActionKind.TERMINATE, decided_on=decided_on, ground=ground,
        document_number=document_number, facts=facts, statement_heard=statement_heard, case=case,
    )


@transaction.atomic
def agreement_resume(*, user, institution: Institution, resumed_on: date, opinion: str) -> Institution:
    """The institution rectified during the 中止 and the 经办机构 accepted it: the agreement runs again."""
    institution = Institution.objects.select_for_update().select_related("agency").get(pk=institution.pk)
    if not can_handle_institution(user, institution):
        raise PermissionDenied("只有签约经办机构的工作人员可以恢复医保协议。")
    if institution.status != AgreementStatus.SUSPENDED:
        raise ValidationError(f"该机构医保协议处于“{institution.get_status_display()}”状态，不是中止状态，无需恢复。")
    if not opinion.strip():
        raise ValidationError({"opinion": "请填写整改验收意见。"})
    not_in_future(resumed_on, "resumed_on", "恢复日期")
    suspension = institution.actions.filter(kind=ActionKind.SUSPEND, status=ActionStatus.IN_FORCE).order_by("decided_on").last()
    if suspension is not None:
        if resumed_on < suspension.decided_on:
            raise ValidationError({"resumed_on": f"恢复日期不能早于中止日期（{format_date(suspension.decided_on)}）。"})
        suspension.status, suspension.concluded_on, suspension.conclusion = ActionStatus.RESUMED, resumed_on, opinion.strip()
        suspension.save(update_fields=["status", "concluded_on", "conclusion"])
    institution.status = AgreementStatus.NORMAL
    institution.save(update_fields=["status"])
    _audit_institution(institution, actor=user, verb="agreement.resumed", summary=f"整改验收通过，自{format_date(resumed_on)}恢复医保协议",
                       data={"opinion": opinion.strip()})
    _notify_msb(institution, event="agreement.resumed", title=f"恢复医保协议：{institution.name}",
                body=f"{institution.agency.short_name}于{format_date(resumed_on)}恢复该机构医保协议。")
    return institution


@transaction.atomic
def action_conclude(*, user, action: AgreementAction, concluded_on: date, conclusion: str) -> AgreementAction:
    """办结: 限期整改 verified (已整改); a recovery paid, a withholding or a suspension of services lifted (已结束)."""
    action = AgreementAction.objects.select_for_update().select_related("institution__agency").get(pk=action.pk)
    if not can_handle_institution(user, action.institution):
        raise PermissionDenied("只有签约经办机构的工作人员可以办结协议处理。")
    if action.status != ActionStatus.IN_FORCE:
        raise ValidationError(f"该协议处理已是“{action.get_status_display()}”状态。")
    if action.kind == ActionKind.SUSPEND:
        raise ValidationError("中止医保协议经整改验收后恢复，或依法解除，不能直接办结。")
    if not conclusion.strip():
        raise ValidationError({"conclusion": "请填写办结情况。"})
    not_in_future(concluded_on, "concluded_on", "办结日期")
    if concluded_on < action.decided_on:
        raise ValidationError({"concluded_on": f"办结日期不能早于处理日期（{format_date(action.decided_on)}）。"})
    action.status = ActionStatus.RECTIFIED if action.kind == ActionKind.RECTIFY else ActionStatus.ENDED
    action.concluded_on, action.conclusion = concluded_on, conclusion.strip()
    action.save(update_fields=["status", "concluded_on", "conclusion"])
    _audit_institution(
        action.institution, actor=user, verb="agreement_action.concluded", target=action,
        summary=f"{action.get_kind_display()}办结：{action.get_status_display()}", data={"conclusion": action.conclusion},
    )
    return action
