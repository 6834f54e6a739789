"""Shared fixtures: the demo city's fixed cast, logged-in clients, and flow helpers.

The cast (demo/scenario.py): in 镇江市 an MSB officer (msb_officer), a second officer
(msb_officer2), a section chief (msb_chief), the head (msb_head), a clerk; the PSB officer
(psb_officer); a health-commission officer (health_officer) … and outsiders from 常州市
(cz_psb_officer, cz_msb_officer). Every permission test has its outsider ready.
"""

from __future__ import annotations

import pytest
from django.test import Client
from viewflow.workflow import STATUS


def pytest_configure(config):
    from django.conf import settings

    # Hashing the demo passwords with PBKDF2 would cost seconds per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    from django.urls import get_resolver

    get_resolver().url_patterns  # mount the flows' viewsets, so Node.reverse() works before any request


@pytest.fixture(autouse=True)
def _audit_checkpoints(settings, tmp_path):
    """Each test's audit checkpoints (agencies.audit) in its own directory: never checked against another database."""
    settings.LIANBAN_AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"


@pytest.fixture
def cast(db):
    from casework.calendar import calendar_sync_from_library
    from casework.models import HolidayYear
    from demo.scenario import build_city

    if not HolidayYear.objects.exists():
        calendar_sync_from_library()  # a transactional test's flush removed what the migration seeded
    return build_city()


@pytest.fixture
def login(cast):
    """login("psb_officer") → a test Client with that officer's session."""

    def _login(username: str) -> Client:
        client = Client()
        client.force_login(cast.user(username))
        return client

    return _login


@pytest.fixture
def tell(cast):
    """tell(stage) → a demo case driven through the real flows up to `stage` (demo.stories)."""
    from demo import scenario, stories

    def _tell(stage: int, title: str = "测试医院涉嫌骗取医保基金案"):
        story = (title, "tip", stage, scenario.DEMO_AMOUNT, stories.STORIES[4][4], stories.STORIES[4][5])
        return stories.tell(story, cast)

    return _tell


class FlowClient:
    """Take and complete flow tasks over HTTP, like an officer clicking through the task pages."""

    def __init__(self, client: Client):
        self.client = client

    def task(self, process, node_name: str):
        from demo.driver import open_task

        return open_task(process, node_name)

    def urls(self, process, node_name: str) -> dict[str, str]:
        task = self.task(process, node_name)
        node = task.flow_task
        return {
            action: node.reverse(action, args=[task.process_id, task.pk])
            for action in ("index", "detail", "assign", "execute")
        }

    def complete(self, process, node_name: str, data: dict):
        task = self.task(process, node_name)
        urls = self.urls(process, node_name)
        if task.status == STATUS.NEW:
            response = self.client.post(urls["assign"])
            assert response.status_code == 302, f"assign {node_name}: {response.status_code}"
        response = self.client.post(urls["execute"], data)
        if response.status_code != 302:
            form = response.context.get("form") if response.context else None
            raise AssertionError(f"{node_name} not completed ({response.status_code}): {form.errors if form else ''}")
        return response


@pytest.fixture
def flow_client():
    return FlowClient


def item_rows(*rows: dict, total: int = 6) -> dict:
    """POST data of an item table (the 涉案物品清单 / 交接清单 formset, prefix "items")."""
    data = {"items-TOTAL_FORMS": str(total), "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "60"}
    for index, row in enumerate(rows):
        data.update({f"items-{index}-{key}": value for key, value in row.items()})
    return data


SEIZED_ROWS = item_rows({"name": "住院病历原件", "quantity": "58份", "location": "医保局档案室", "seal_number": "镇医保封〔2026〕3号"})

HANDOVER_ROWS = {
    "items-TOTAL_FORMS": "6", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "60",
    "items-0-name": "住院病历原件", "items-0-quantity": "58份", "items-0-location": "医保局档案室", "items-0-seal_number": "镇医保封〔2026〕3号",
    "items-1-name": "结算数据光盘", "items-1-quantity": "1张", "items-1-custodian": "王立新",
}


@pytest.fixture
def hand_over(login):
    """hand_over(referral): the bureau hands over the seized items and the police sign the 交接清单, over HTTP."""

    def _hand_over(referral, *, police: str = "psb_officer"):
        FlowClient(login("msb_officer")).complete(referral.process, "hand_over", HANDOVER_ROWS)
        FlowClient(login(police)).complete(referral.process, "confirm_handover", {"confirm": "on"})

    return _hand_over
