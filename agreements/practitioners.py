"""Practitioners' payment eligibility (医保支付资格, 一医一档): registration and points. One transaction each,
audited by name only (identity numbers stay out of the audit trail)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from agencies.audit import audit_append
from agencies.dates import format_date
from agreements.models import MAX_POINTS, AgreementStatus, Institution, PaymentStatus, PointRecord, Practitioner
from agreements.permissions import can_handle_institution
from agreements.services import check_case_visible, not_in_future
from casework.clocks import first_day_after
from casework.identifiers import validate_resident_id
from casework.models import Case

SUSPEND_AT_POINTS = 9  # 医保发〔2024〕23号: 9 points in a year suspend payment eligibility ...
TERMINATE_AT_POINTS = MAX_POINTS  # ... 12 terminate it


def _audit_practitioner(practitioner: Practitioner, *, actor, agency, verb: str, summary: str) -> None:
    """Names only: identity numbers stay out of the audit trail."""
    audit_append(actor=actor, verb=verb, target=practitioner, agency=agency, thread=f"practitioner:{practitioner.pk}",
                 summary=summary)


@transaction.atomic
def practitioner_register(*, user, name: str, id_number: str, institution: Institution) -> Practitioner:
    """登记备案 (also 再次登记备案, at any institution in any region); refused while a termination bar runs."""
    if not can_handle_institution(user, institution):
        raise PermissionDenied("只有签约经办机构的工作人员可以为该机构人员登记备案。")
    name, id_number = name.strip(), id_number.strip().upper()
    errors = {} if name else {"name": "请填写姓名。"}
    try:
        validate_resident_id(id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    if institution.status == AgreementStatus.TERMINATED:
        raise ValidationError(f"“{institution.name}”的医保协议已解除，不能为其登记备案人员。")
    today = timezone.localdate()
    practitioner = Practitioner.objects.select_for_update().select_related("institution").filter(id_number=id_number).first()
    if practitioner is None:
        practitioner = Practitioner.objects.create(name=name, id_number=id_number, institution=institution)
        _audit_practitioner(practitioner, actor=user, agency=institution.agency, verb="practitioner.registered",
                            summary=f"{name}在{institution.name}登记备案")
        return practitioner
    if practitioner.name != name:
        raise ValidationError({"name": f"该身份证号码已登记为“{practitioner.name}”，与填写的姓名不符，请核对。"})
    if practitioner.is_barred_on(today):
        raise ValidationError(
            f"{practitioner.name}的医保支付资格已于{format_date(practitioner.terminated_on)}终止，"
            f"{format_date(practitioner.registration_barred_until)}前不得在任何定点医药机构再次登记备案（一医一档，跨机构、跨地区有效）。"
        )
    if practitioner.institution_id == institution.pk and practitioner.status != PaymentStatus.TERMINATED:
        raise ValidationError(f"{practitioner.name}已在{institution.name}登记备案。")
    previous = practitioner.institution
    practitioner.institution = institution
    if practitioner.status_on(today) != PaymentStatus.SUSPENDED:
        practitioner.status = PaymentStatus.NORMAL  # a termination's bar or a suspension has run out
    practitioner.save(update_fields=["institution", "status"])
    still = (
        f"；医保支付资格暂停中，{format_date(practitioner.suspended_until)}恢复"
        if practitioner.status == PaymentStatus.SUSPENDED else ""
    )
    _audit_practitioner(practitioner, actor=user, agency=institution.agency, verb="practitioner.registered",
                        summary=f"{name}在{institution.name}再次登记备案（原在{previous.name}）{still}")
    return practitioner


def points_in_year(practitioner: Practitioner, year: int) -> int:
    return practitioner.point_records.filter(event_date__year=year).aggregate(total=Sum("points"))["total"] or 0


@transaction.atomic
def points_record(
    *,
    user,
    practitioner: Practitioner,
    event_date: date,
    points: int,
    reason: str,
    suspend_months: int | None = None,
    case: Case | None = None,
) -> PointRecord:
    """记分. Totals run per calendar year: reaching 9 suspends payment eligibility for 1–6 months;
    reaching 12 terminates it, with no 再次登记备案 for 1 year (3 years when the 12 came in one event)."""
    practitioner = Practitioner.objects.select_for_update().select_related("institution__agency").get(pk=practitioner.pk)
    institution = practitioner.institution
    if not can_handle_institution(user, institution):
        raise PermissionDenied("只有该人员登记备案机构的签约经办机构可以记分。")
    months = settings.LIANBAN_PRACTITIONER_SUSPEND_MONTHS if suspend_months is None else suspend_months
    record = PointRecord(
        practitioner=practitioner, event_date=event_date, points=points, reason=reason.strip(), institution=institution,
        agency=institution.agency, recorded_by=user, case=case,
    )
    record.full_clean()
    if not 1 <= months <= 6:
        raise ValidationError({"suspend_months": "暂停医保支付资格的期限为1至6个月。"})
    not_in_future(event_date, "event_date", "记分日期")
    check_case_visible(user, case)
    before = points_in_year(practitioner, event_date.year)
    total = before + points
    record.save()
    _audit_practitioner(
        practitioner, actor=user, agency=institution.agency, verb="practitioner.points_recorded",
        summary=f"{practitioner.name}记{points}分（{event_date.year}年度累计{total}分）：{record.reason[:80]}",
    )
    if total >= TERMINATE_AT_POINTS and (before < TERMINATE_AT_POINTS or points == MAX_POINTS):
        single = points == MAX_POINTS
        years = (
            settings.LIANBAN_PRACTITIONER_SINGLE_EVENT_BAR_YEARS if single else settings.LIANBAN_PRACTITIONER_REGISTRATION_BAR_YEARS
        )
        barred_until = first_day_after(event_date, 12 * years)
        practitioner.status, practitioner.suspended_until = PaymentStatus.TERMINATED, None
        practitioner.terminated_on = event_date
        practitioner.registration_barred_until = max(barred_until, practitioner.registration_barred_until or barred_until)
        practitioner.save(update_fields=["status", "suspended_until", "terminated_on", "registration_barred_until"])
        how = "一次记满12分" if single else f"{event_date.year}年度累计记满12分"
        _audit_practitioner(
            practitioner, actor=user, agency=institution.agency, verb="practitioner.terminated",
            summary=f"{how}，终止医保支付资格，{format_date(practitioner.registration_barred_until)}前不得再次登记备案",
        )
    elif before < SUSPEND_AT_POINTS <= total and practitioner.status != PaymentStatus.TERMINATED:
        practitioner.status, practitioner.suspended_until = PaymentStatus.SUSPENDED, first_day_after(event_date, months)
        practitioner.save(update_fields=["status", "suspended_until"])
        _audit_practitioner(
            practitioner, actor=user, agency=institution.agency, verb="practitioner.suspended",
            summary=f"{event_date.year}年度累计记满9分，暂停医保支付资格{months}个月，{format_date(practitioner.suspended_until)}恢复",
        )
    return record
