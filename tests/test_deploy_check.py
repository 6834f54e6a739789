"""A production configuration passes Django's deployment checklist (`manage.py check --deploy`) without a warning."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]

PRODUCTION = {
    "LIANBAN_SECRET_KEY": secrets.token_urlsafe(50),
    "LIANBAN_AUDIT_KEY": secrets.token_hex(32),
    "LIANBAN_ALLOWED_HOSTS": "lianban.example.gov.cn",
    "LIANBAN_CSRF_TRUSTED_ORIGINS": "https://lianban.example.gov.cn",
}


def deploy_check(tmp_path, **overrides: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("LIANBAN_") and key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(PRODUCTION, LIANBAN_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings", **overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )


def test_an_https_installation_passes_the_deployment_checklist(tmp_path):
    result = deploy_check(tmp_path, LIANBAN_HTTPS="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_https_the_checklist_names_what_is_missing(tmp_path):
    result = deploy_check(tmp_path)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):  # HSTS, redirect, cookies
        assert warning in result.stderr + result.stdout
