"""Writes for agencies and officers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from agencies.audit import audit_append
from agencies.models import Agency, AgencyGroup, Officer, Role
from agencies.permissions import ACT_FOR_AGENCY, agency_setup_groups, grant_to_agency, members_group, revoke_from_agency

User = get_user_model()


@transaction.atomic
def agency_create(*, actor=None, parent: Agency | None = None, recorded_by: Agency | None = None, **fields) -> Agency:
    agency = Agency(parent=parent, **fields)
    agency.full_clean()
    agency.save()
    agency_setup_groups(agency)
    audit_append(
        actor=actor, verb="agency.created", target=agency, agency=agency, thread=f"agency:{agency.pk}",
        summary=f"建立机关 {agency.name}",
    )
    if recorded_by is not None:
        agency_set_recorder(agency=agency, recorded_by=recorded_by, actor=actor)
    return agency


# The roles of the recording agency who enter a paper agency's steps (代录).
RECORDING_ROLES = (Role.CLERK,)


def agency_recorder_validate(*, agency: Agency, recorded_by: Agency | None) -> None:
    """Refuse a recorder that cannot be one: the agency itself, an agency on paper, or any recorder
    for an agency that records for others (a chain of 代录 would leave nobody on Lianban)."""
    if recorded_by is None:
        return
    if agency.pk is not None and recorded_by.pk == agency.pk:
        raise ValidationError({"recorded_by": "机关不能为自己代录。"})
    if recorded_by.on_paper:
        raise ValidationError({"recorded_by": f"{recorded_by.name}本身以纸质办理，不能为其他机关代录。"})
    if agency.pk is not None and agency.records_for.exists():
        raise ValidationError({"recorded_by": f"{agency.name}正在为其他机关代录，应当在联办系统中办理。"})


@transaction.atomic
def agency_set_recorder(*, agency: Agency, recorded_by: Agency | None, actor=None) -> Agency:
    """代录 (agencies.recording): `recorded_by`'s clerks enter `agency`'s steps, taken on paper; None:
    the agency acts on Lianban itself. Moves the grant that lets the clerks act for the agency, audited."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    previous = agency.recorded_by
    agency_recorder_validate(agency=agency, recorded_by=recorded_by)
    if previous == recorded_by:
        return agency
    if previous is not None:
        revoke_from_agency(agency=previous, perm=ACT_FOR_AGENCY, obj=agency, roles=RECORDING_ROLES)
    if recorded_by is not None:
        grant_to_agency(agency=recorded_by, perm=ACT_FOR_AGENCY, obj=agency, roles=RECORDING_ROLES)
    agency.recorded_by = recorded_by
    agency.save(update_fields=["recorded_by"])
    summary = (f"{agency.name}改为纸质办理，由{recorded_by.name}文书代录" if recorded_by is not None
               else f"{agency.name}改为在联办系统中办理，{previous.name}不再代录")
    audit_append(
        actor=actor, verb="agency.recorder_changed", target=agency, agency=agency, thread=f"agency:{agency.pk}",
        summary=summary, data={"previous": previous.pk if previous else None, "recorded_by": recorded_by.pk if recorded_by else None},
    )
    return agency


@transaction.atomic
def officer_create(
    *,
    actor=None,
    username: str,
    full_name: str,
    agency: Agency,
    role: str,
    password: str | None = None,
    title: str = "",
    badge_number: str = "",
    phone: str = "",
) -> Officer:
    user = User(username=username, first_name=full_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    officer = Officer(user=user, agency=agency, role=role, title=title, badge_number=badge_number, phone=phone)
    officer.full_clean()
    officer.save()
    link = AgencyGroup.objects.select_related("group").get(agency=agency, role=role)
    user.groups.add(link.group, members_group(agency))
    audit_append(
        actor=actor, verb="officer.created", target=officer, agency=agency, thread=f"agency:{agency.pk}",
        summary=f"{agency.short_name}新增{officer.get_role_display()} {full_name}",
    )
    return officer
