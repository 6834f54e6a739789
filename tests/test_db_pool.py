"""On PostgreSQL each process keeps a pool of open connections (config/settings.py, LIANBAN_DB_POOL_SIZE):
a database trip after Django has closed its connection — every request, every socket's trip through
database_sync_to_async — takes an open one from the pool instead of connecting again."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.support import database_settings


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_closed_connection_goes_back_to_the_pool_and_is_used_again():
    if connection.vendor != "postgresql":
        pytest.skip(f"the connection pool is PostgreSQL's; this run uses {connection.vendor}")
    backend_pid()
    connection.close()
    before = connection.pool.get_stats()
    pids = set()
    for _ in range(20):
        pids.add(backend_pid())
        connection.close()  # what Django does at the end of each request and each socket's trip
    after = connection.pool.get_stats()
    assert after.get("requests_num", 0) - before.get("requests_num", 0) >= 20, "the trips did not go through the pool"
    assert after.get("connections_num", 0) == before.get("connections_num", 0), "a trip opened a new connection"
    assert len(pids) <= connection.settings_dict["OPTIONS"]["pool"]["max_size"]


def pool_option(**environment: str):
    """The pool option and CONN_MAX_AGE config/settings.py builds from the environment."""
    database = database_settings(**environment)
    return [database.get("OPTIONS", {}).get("pool"), database["CONN_MAX_AGE"]]


def test_the_pool_is_on_for_postgresql_sized_by_its_setting_and_off_at_zero(tmp_path):
    url = "postgres://lianban@127.0.0.1:5432/lianban"
    var = str(tmp_path)
    assert pool_option(DATABASE_URL=url, LIANBAN_VAR_DIR=var) == [{"min_size": 2, "max_size": 10, "timeout": 10}, 0]
    assert pool_option(DATABASE_URL=url, LIANBAN_VAR_DIR=var, LIANBAN_DB_POOL_SIZE="4")[0]["max_size"] == 4
    # Without the pool, persistent connections may be asked for instead.
    assert pool_option(DATABASE_URL=url, LIANBAN_VAR_DIR=var, LIANBAN_DB_POOL_SIZE="0", LIANBAN_DB_CONN_MAX_AGE="60") == [None, 60]
    assert pool_option(DATABASE_URL="sqlite:///" + var + "/x.sqlite3", LIANBAN_VAR_DIR=var)[0] is None
