"""The case and referral lists read from the grants (agencies.visibility) list exactly what guardian
says each user may see, in the list's order, and nothing of another city or agency."""

from __future__ import annotations

import pytest
from guardian.shortcuts import get_objects_for_user

from casework.models import Case
from casework.permissions import VIEW_CASE
from casework.selectors import case_pages_for_user
from demo.stories import INVESTIGATING, LEAD, PENDING_APPROVAL, SENT
from referral.models import Referral
from referral.permissions import VIEW_REFERRAL
from referral.selectors import referral_pages_for_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def stories(tell):
    return [tell(stage, title=f"可见性测试案{index}") for index, stage in enumerate([LEAD, SENT, INVESTIGATING, SENT, PENDING_APPROVAL])]


def guardian_list(user, perm: str, model, *order: str) -> list[int]:
    visible = get_objects_for_user(user, perm, klass=model, accept_global_perms=False, with_superuser=False)
    return list(visible.order_by(*order).values_list("pk", flat=True))


def test_every_users_lists_match_what_guardian_allows_in_order(cast, stories):
    """For every demo officer, page by page, the same cases and referrals as guardian's scoped query."""
    some_see_referrals = False
    for username in cast.officers:
        user = cast.user(username)
        cases = case_pages_for_user(user=user)
        assert [case.pk for case in cases[0:100]] == guardian_list(user, VIEW_CASE, Case, "-registered_at", "-id"), username
        assert [case.pk for case in cases[2:4]] == guardian_list(user, VIEW_CASE, Case, "-registered_at", "-id")[2:4], username
        referrals = [referral.pk for referral in referral_pages_for_user(user=user)[0:100]]
        assert referrals == guardian_list(user, VIEW_REFERRAL, Referral, "-created_at", "-id"), username
        some_see_referrals |= bool(referrals)
    assert some_see_referrals


def test_the_police_see_referred_cases_only_and_another_city_sees_nothing(cast, stories, login):
    """On /referrals/ the police see the two transfers sent to them; 常州's officers see no referral and no case."""
    police = login("psb_officer").get("/referrals/").content.decode()
    assert police.count("可见性测试案1") == 1 and police.count("可见性测试案3") == 1
    assert "可见性测试案0" not in police
    for outsider in ("cz_msb_officer", "cz_psb_officer"):
        for url in ("/cases/", "/referrals/"):
            assert "可见性测试案" not in login(outsider).get(url).content.decode()


def test_a_grant_carries_its_objects_sort_key(cast, stories):
    """Each grant row holds the time the list sorts by, copied from its case or referral."""
    for case in Case.objects.filter(title__startswith="可见性测试案"):
        keys = set(case.casegroupobjectpermission_set.values_list("sort_key", flat=True))
        assert keys == {case.registered_at}
