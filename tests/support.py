"""Helpers shared by tests that start other processes (a live server, clock workers, a fresh interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def database_settings(**environment: str) -> dict:
    """`settings.DATABASES["default"]` as config/settings.py builds it from `environment` (with none of
    this run's LIANBAN_DB_ settings), read in a fresh interpreter."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIANBAN_DB_")}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "LIANBAN_DEBUG": "1", **environment}
    code = ("import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.DATABASES['default'], default=str))")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
