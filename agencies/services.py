"""Writes for agencies and officers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from agencies.audit import audit_append
from agencies.models import Agency, AgencyGroup, Officer
from agencies.permissions import agency_setup_groups, members_group

User = get_user_model()


@transaction.atomic
def agency_create(*, actor=None, parent: Agency | None = None, **fields) -> Agency:
    agency = Agency(parent=parent, **fields)
    agency.full_clean()
    agency.save()
    agency_setup_groups(agency)
    audit_append(
        actor=actor, verb="agency.created", target=agency, agency=agency, thread=f"agency:{agency.pk}",
        summary=f"建立机关 {agency.name}",
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
