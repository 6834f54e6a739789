"""Who an agency's notifications go to: its active officers of the roles asked, and no one else."""

from __future__ import annotations

import pytest

from agencies.models import Role
from agencies.selectors import officer_list, officer_users

pytestmark = pytest.mark.django_db


def usernames(users) -> list[str]:
    return [user.username for user in users]


def test_officer_users_are_the_agencys_active_officers_of_the_roles_asked_in_the_lists_order(cast):
    bureau = cast.user("msb_officer").officer.agency
    leaders = [Role.SECTION_CHIEF, Role.HEAD]
    assert usernames(officer_users(agency=bureau, roles=leaders)) == ["msb_head", "msb_chief"]
    everyone = officer_users(agency=bureau)
    assert usernames(everyone) == [officer.user.username for officer in officer_list(agency=bureau)]
    assert {"msb_officer", "msb_head", "msb_chief"} <= set(usernames(everyone))
    assert all(user.officer.agency_id == bureau.pk for user in everyone)  # no 常州 or police officer
    chief = cast.user("msb_chief")
    chief.is_active = False
    chief.save()
    assert usernames(officer_users(agency=bureau, roles=leaders)) == ["msb_head"]
