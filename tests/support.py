"""Helpers shared by tests that start other processes (a live server, clock workers)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest


def shared_database_url() -> str:
    """A DATABASE_URL that points another process at the test database of this pytest run."""
    from django.conf import settings
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        if name == ":memory:" or "mode=memory" in name:
            pytest.skip("the SQLite test database is in memory: another process cannot share it")
        return "sqlite:///" + str(Path(name).resolve())
    if connection.vendor == "postgresql":
        # Same server, user and options as DATABASE_URL; only the database becomes test_<name>.
        return urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path="/" + quote(name)))
    pytest.skip(f"processes beside the tests run on SQLite or PostgreSQL, not {connection.vendor}")
