"""A web worker starts with what start-up made out of the garbage collector's way (config/asgi.py):
a full collection, which pauses every request and socket of the worker, walks only what came after.
Run in a process of its own, as daphne imports the application."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]

PROBE = """
import gc, json, sys
import config.asgi
print(json.dumps({"frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects()),
                  "views": all(name in sys.modules for name in ("casework.views", "referral.views", "notifications.views"))}))
"""


def test_the_application_is_built_with_its_views_imported_and_its_start_up_objects_frozen(tmp_path):
    env = {**os.environ, "LIANBAN_DEBUG": "1", "LIANBAN_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    worker = json.loads(result.stdout.strip().splitlines()[-1])
    assert worker["views"], "the URL patterns' views are imported at start-up, not by the first request"
    assert worker["frozen"] > 50_000  # Django, the apps, their models and views
    assert worker["tracked"] < worker["frozen"] / 10, worker  # what a full collection still walks
