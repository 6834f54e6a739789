"""Scratch environments for the benchmarks: a throw-away var dir and database, Django set up on them.

    with scratch_django(database_url=None) as info:   # SQLite file in a temporary var dir
        ...                                          # Django is set up and migrated here
    with scratch_django(database_url="postgres://postgres@127.0.0.1:5432/lianban_bench"):
        ...                                          # that database is created first, dropped after

Never point database_url at a database you care about: it is dropped before and after the run.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))


@dataclass(frozen=True)
class Scratch:
    vendor: str
    database: str
    var_dir: Path


def _postgres_admin(url: str):
    import psycopg

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name or name in {"postgres", "template0", "template1"}:
        raise SystemExit(f"refusing to use {name!r} as a scratch database")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(admin_url, autocommit=True), name


def _drop(admin, name: str) -> None:
    from psycopg import sql

    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def scratch_django(*, database_url: str | None = None, keep: bool = False) -> Iterator[Scratch]:
    var_dir = Path(tempfile.mkdtemp(prefix="lianban-bench-"))
    os.environ["LIANBAN_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("LIANBAN_DEBUG", "1")
    os.environ.pop("REDIS_URL", None)  # in-memory channel layer: the benchmarks run in one process
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    admin = name = None
    if database_url:
        admin, name = _postgres_admin(database_url)
        _drop(admin, name)
        from psycopg import sql

        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    try:
        import django
        from django.conf import settings
        from django.core.management import call_command

        django.setup()
        # Officers log in with force_login here; PBKDF2 would only slow the set-up down.
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        call_command("migrate", verbosity=0, interactive=False)
        from django.db import connection

        yield Scratch(vendor=connection.vendor, database=str(connection.settings_dict["NAME"]), var_dir=var_dir)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 — Django may not have been set up
            pass
        if admin is not None:
            if not keep:
                _drop(admin, name)
            admin.close()
        if not keep:
            shutil.rmtree(var_dir, ignore_errors=True)


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(samples)
    rank = min(len(ordered), max(1, math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]
