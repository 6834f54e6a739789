"""agencies.bulk: rows written column by column on PostgreSQL read back as the ORM writes them."""

from __future__ import annotations

import pytest
from django.db import connection

from agencies.bulk import insert_columns, reserve_ids
from agencies.models import AuditEvent
from tests.agencies.test_audit import make_agency

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(f"agencies.bulk writes through PostgreSQL's unnest; this run uses {connection.vendor}")


def test_rows_and_shared_values_and_defaults_are_written_under_the_reserved_ids():
    agency = make_agency()
    ids = reserve_ids(AuditEvent, 3)
    assert len(set(ids)) == 3 and AuditEvent.objects.filter(pk__in=ids).count() == 0

    insert_columns(AuditEvent, ids=ids, same={"verb": "test.columns", "target_type": "agencies.agency"}, rows={
        "agency_id": [agency.pk, None, agency.pk],
        "target_id": ["1", "2", "3"],
        "thread": ["test:a", "test:b", "test:c"],
        "summary": ["第一条", "含'引号'与\"双引号\"", "{花括号,逗号}"],
        "data": ['{"金额": 1.5, "列表": [1, "甲"]}', "{}", '{"n": null}'],
    })

    rows = {row.pk: row for row in AuditEvent.objects.filter(pk__in=ids)}
    first, second, third = (rows[pk] for pk in ids)
    assert [row.summary for row in (first, second, third)] == ["第一条", "含'引号'与\"双引号\"", "{花括号,逗号}"]
    assert (first.data, second.data, third.data) == ({"金额": 1.5, "列表": [1, "甲"]}, {}, {"n": None})
    assert (first.agency_id, second.agency_id, first.verb, third.target_type) == (
        agency.pk, None, "test.columns", "agencies.agency")
    # fields left out take their defaults as bulk_create gives them: now for occurred_at, "" for text, NULL
    assert first.occurred_at is not None and (first.mac, first.prev_hash, first.seq) == ("", "", None)


def test_a_column_the_model_lacks_or_a_short_column_is_refused_before_anything_is_written():
    ids = reserve_ids(AuditEvent, 2)
    with pytest.raises(ValueError, match="no column"):
        insert_columns(AuditEvent, ids=ids, rows={"no_such_column": ["a", "b"]})
    with pytest.raises(ValueError, match="1 values for 2 rows"):
        insert_columns(AuditEvent, ids=ids, rows={"summary": ["only one"]})
    assert AuditEvent.objects.filter(pk__in=ids).count() == 0
