"""PostgreSQL's parallel workers: off on the application's connections (a page's index scans paid their
start-up for nothing), back on for the leaders' reports (agencies.scans)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from agencies.scans import parallel_scans
from leadership import dashboard, statistics
from tests.support import database_settings


def database_options(**environment: str) -> dict:
    """The database OPTIONS config/settings.py builds from the environment, less the pool."""
    return {key: value for key, value in database_settings(**environment).get("OPTIONS", {}).items() if key != "pool"}


def test_postgresql_connections_plan_without_parallel_workers_unless_asked(tmp_path):
    url, var = "postgres://lianban@127.0.0.1:5432/lianban", str(tmp_path)
    assert database_options(DATABASE_URL=url, LIANBAN_VAR_DIR=var)["options"] == "-c max_parallel_workers_per_gather=0"
    assert database_options(DATABASE_URL=url, LIANBAN_VAR_DIR=var, LIANBAN_DB_PARALLEL_WORKERS="2")["options"] \
        == "-c max_parallel_workers_per_gather=2"
    # Options the address already carries are kept, the workers' setting after them.
    kept = database_options(DATABASE_URL=url + "?options=-c%20statement_timeout%3D5000", LIANBAN_VAR_DIR=var)["options"]
    assert kept == "-c statement_timeout=5000 -c max_parallel_workers_per_gather=0"
    assert "options" not in database_options(DATABASE_URL="sqlite:///" + var + "/x.sqlite3", LIANBAN_VAR_DIR=var)


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def workers() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return cursor.fetchone()[0]


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(f"parallel workers are PostgreSQL's; this run uses {connection.vendor}")


@pytest.mark.django_db
def test_a_list_query_starts_no_workers_and_a_report_may(postgresql, settings):
    """The planner, told that workers cost nothing to start, would give this scan some: not on the
    application's connection; inside `parallel_scans`, as many as the setting allows, and after it none again."""
    free = ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size")
    no_index = ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan")  # the test's table is all but empty
    with connection.cursor() as cursor:
        for name, value in [(name, "0") for name in free] + [(name, "off") for name in no_index]:
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
    scan = "SELECT id FROM viewflow_task WHERE status = 'NEW' LIMIT 21"
    assert workers() == "0" and "Gather" not in plan(scan)
    settings.LIANBAN_DB_REPORT_PARALLEL_WORKERS = 3
    with parallel_scans():
        assert workers() == "3"
        assert "Gather" in plan(scan)
    assert workers() == "0"


@pytest.mark.django_db
def test_the_statistics_page_and_the_dashboard_read_with_workers(postgresql, cast, login, monkeypatch, settings):
    settings.LIANBAN_DB_REPORT_PARALLEL_WORKERS = 3  # not PostgreSQL's default 2: only parallel_scans sets it
    seen = []
    for module, name in ((statistics, "statistics_report"), (dashboard, "completion_rates")):
        original = getattr(module, name)

        def recording(*args, _original=original, **kwargs):
            seen.append(workers())
            return _original(*args, **kwargs)
        monkeypatch.setattr(module, name, recording)
    leader = login("msb_leader")
    assert leader.get(reverse("leadership:statistics")).status_code == 200
    assert leader.get(reverse("leadership:statistics_export")).status_code == 200
    assert leader.get(reverse("leadership:dashboard")).status_code == 200
    assert seen == ["3", "3", "3"]
    assert workers() == "0"
