"""`key__any_of=ids` (agencies.lookups.AnyOf): the rows `key__in=ids` finds, sent to PostgreSQL as one array."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import Case, Subject

pytestmark = pytest.mark.django_db


def test_finds_what_in_finds_on_keys_and_foreign_keys(cast, tell):
    from demo.stories import LEAD

    cases = [tell(LEAD, title=f"查找测试案{n}") for n in range(3)]
    wanted = [cases[0].pk, cases[2].pk, cases[2].pk]  # a repeated id counts once
    assert set(Case.objects.filter(pk__any_of=wanted)) == set(Case.objects.filter(pk__in=wanted)) == {cases[0], cases[2]}
    subjects = Subject.objects.filter(case_id__any_of=wanted)  # a foreign key: the case's key type (bigint)
    assert set(subjects) == set(Subject.objects.filter(case__in=wanted)) and subjects.exists()
    officers = list(cast.officers.values())[:2]
    users = [officer.user.pk for officer in officers]  # auth's keys are integers, not bigints
    assert set(User.objects.filter(pk__any_of=users)) == {officer.user for officer in officers}
    memberships = User.groups.through.objects.filter(user_id__any_of=users)
    assert set(memberships) == set(User.groups.through.objects.filter(user_id__in=users))
    assert set(Group.objects.filter(pk__any_of=[str(group.pk) for group in Group.objects.all()[:2]])) == set(Group.objects.all()[:2])


def test_nothing_is_found_and_nothing_asked_for_no_ids(cast):
    with CaptureQueriesContext(connection) as queries:
        assert list(Case.objects.filter(pk__any_of=[])) == []
    assert len(queries) == 0


def test_an_id_that_is_no_number_is_refused(cast):
    with pytest.raises(ValueError):
        Case.objects.filter(pk__any_of=["1; DROP TABLE casework_case"])


def test_postgresql_is_sent_one_array_however_many_ids_and_sqlite_in(cast, tell):
    from demo.stories import LEAD

    case = tell(LEAD, title="数组测试案")
    many = [case.pk, *range(10**9, 10**9 + 900)]
    with CaptureQueriesContext(connection) as queries:
        assert list(Case.objects.filter(pk__any_of=many).values_list("pk", flat=True)) == [case.pk]
        assert set(Subject.objects.filter(case_id__any_of=many).values_list("case_id", flat=True)) == {case.pk}
    assert len(queries) == 2
    for query in queries:
        if connection.vendor == "postgresql":
            assert "= ANY(" in query["sql"] and "::bigint[]" in query["sql"] and " IN (" not in query["sql"], query["sql"]
        else:
            assert " IN (" in query["sql"], query["sql"]
