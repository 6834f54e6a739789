"""Login security: lockout after repeated failures, idle timeout, password policy, the security log.

Five wrong passwords lock the account (django-axes, counted per username) for 30 minutes, during
which even the right password is refused with a Chinese message; a colleague at the same address is
not affected. A session ends 30 minutes after its last request. Passwords need 10 characters and
three of four character classes. Every login, logout, failure and lockout is in the audit trail
(thread "security") with username and IP, never the password.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.utils import timezone, translation

from agencies.models import AuditEvent
from agencies.security_log import REFRESHED_AT

pytestmark = pytest.mark.django_db

PASSWORD = "Zhenjiang#2026ok"
WRONG = "Wrong-Secret-9876"
LOCKED = "登录失败次数过多，账户已锁定，请 30 分钟后再试或联系安全管理员解锁"


@pytest.fixture
def zhang():
    return get_user_model().objects.create_user(username="zhang", password=PASSWORD)


@pytest.fixture
def li():
    return get_user_model().objects.create_user(username="li", password=PASSWORD)


def sign_in(client: Client, username: str, password: str, *, ip: str = "10.1.2.3", **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def page_sees_signed_in_user(client: Client) -> bool:
    return client.get("/cases/").wsgi_request.user.is_authenticated


def fail(client: Client, username: str, times: int, *, ip: str = "10.1.2.3"):
    for _ in range(times):
        response = sign_in(client, username, WRONG, ip=ip)
    return response


def security_events(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(thread="security", verb=verb).order_by("id"))


# --- lockout ---------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(client, zhang):
    """Four failures still show the login form; the fifth locks the account, and then the right password is refused."""
    response = fail(client, "zhang", 4)
    assert response.status_code == 200 and LOCKED not in response.content.decode()

    response = fail(client, "zhang", 1)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()

    response = sign_in(client, "zhang", PASSWORD)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not signed_in(client)
    assert not page_sees_signed_in_user(client)


def test_the_admin_login_is_locked_too(client, zhang):
    """The admin site's login goes through the same check: no second door for the locked account."""
    fail(client, "zhang", 5)
    response = client.post("/admin/login/", {"username": "zhang", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 429
    assert not signed_in(client)


def test_after_the_cool_off_the_right_password_signs_in(client, zhang):
    """Thirty minutes after the last failure the lock lifts by itself; attempts while locked do not prolong it."""
    fail(client, "zhang", 5)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=29))
    assert sign_in(client, "zhang", PASSWORD).status_code == 429  # refused at minute 29, without restarting the clock

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))
    response = sign_in(client, "zhang", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_security_administrator_can_unlock_an_account_at_once(client, zhang):
    """`manage.py axes_reset_username zhang` lifts the lock before the cool-off ends."""
    fail(client, "zhang", 5)
    call_command("axes_reset_username", "zhang")
    assert sign_in(client, "zhang", PASSWORD).status_code == 302
    assert signed_in(client)


def test_a_colleague_behind_the_same_office_address_is_not_locked(zhang, li):
    """The lock is per account: one officer's typos do not lock the office sharing one NAT address."""
    fail(Client(), "zhang", 5, ip="10.9.9.9")
    colleague = Client()
    assert sign_in(colleague, "li", PASSWORD, ip="10.9.9.9").status_code == 302
    assert signed_in(colleague)


def test_a_successful_login_clears_the_count_of_failures(client, zhang):
    """Four typos, a good login, four more typos: the account is not locked."""
    fail(client, "zhang", 4)
    assert sign_in(client, "zhang", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert fail(client, "zhang", 4).status_code == 200
    assert sign_in(client, "zhang", PASSWORD).status_code == 302


# --- idle timeout --------------------------------------------------------------------------------


def session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_a_session_ends_after_thirty_idle_minutes_and_when_the_browser_closes(client, zhang):
    """The session expires 30 minutes after login (not 14 days); the cookie is a browser-session cookie."""
    response = sign_in(client, "zhang", PASSWORD)
    assert response.cookies["sessionid"]["max-age"] == ""  # no persistent cookie: closing the browser ends it
    expires_in = session_row(client).expire_date - timezone.now()
    assert timedelta(minutes=29) < expires_in <= timedelta(minutes=30)

    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    cache.delete(KEY_PREFIX + client.session.session_key)  # with REDIS_URL (cached_db) its copy expires at the same time
    assert not page_sees_signed_in_user(client)


def test_requests_keep_an_active_session_alive_with_at_most_one_write_a_minute(client, zhang):
    """A request more than a minute after the last refresh moves the expiry 30 minutes ahead; one within the minute writes nothing."""
    sign_in(client, "zhang", PASSWORD)
    soon = timezone.now() + timedelta(minutes=5)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=soon)
    assert page_sees_signed_in_user(client)
    assert session_row(client).expire_date == soon  # refreshed at login, less than a minute ago

    session = client.session
    session[REFRESHED_AT] = session[REFRESHED_AT] - 61
    session.save()
    Session.objects.filter(session_key=session.session_key).update(expire_date=soon)
    assert page_sees_signed_in_user(client)
    assert session_row(client).expire_date - timezone.now() > timedelta(minutes=29)


# --- password policy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!xyz", "至少包含 10 个字符"),
        ("zhenjiangcity", "缺少：大写字母、数字、符号"),
        ("zhenjiang2026", "缺少：大写字母、符号"),
        ("ZHENJIANG-CITY", "缺少：小写字母、数字"),
    ],
)
def test_weak_passwords_are_refused_with_a_chinese_reason(password, message):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:  # as in a request
        validate_password(password)
    assert any(message in text for text in refused.value.messages), refused.value.messages


def test_a_long_password_of_three_character_classes_is_accepted():
    validate_password("zhenjiang-2026-dc")  # lower case, digits and symbols
    validate_password(PASSWORD)


# --- security log --------------------------------------------------------------------------------


def test_login_logout_and_failures_are_in_the_security_log_without_the_password(client, zhang):
    """Each attempt is an audit event of thread "security" naming the account and the address."""
    fail(client, "zhang", 1)
    sign_in(client, "nobody", WRONG)
    sign_in(client, "zhang", PASSWORD)
    client.post("/accounts/logout/", REMOTE_ADDR="10.1.2.3")

    failed = security_events("auth.login_failed")
    assert [(event.target_type, event.target_id) for event in failed] == [("auth.user", str(zhang.pk)), ("auth.user", "")]
    assert all(event.actor_id is None and event.data["ip"] == "10.1.2.3" for event in failed)
    assert "zhang" in failed[0].summary and "10.1.2.3" in failed[0].summary
    assert "nobody" in failed[1].summary

    (login,) = security_events("auth.login")
    (logout,) = security_events("auth.logout")
    for event in (login, logout):
        assert event.actor_id == zhang.pk and event.target_id == str(zhang.pk)
        assert "zhang" in event.summary and event.data["ip"] == "10.1.2.3"

    everything = json.dumps(list(AuditEvent.objects.values()), default=str, ensure_ascii=False)
    everything += json.dumps(list(AccessAttempt.objects.values()), default=str, ensure_ascii=False)
    assert WRONG not in everything and PASSWORD not in everything


def test_a_lockout_is_logged_once_and_refused_attempts_are_marked(client, zhang):
    """The fifth failure logs the lockout; an attempt while locked is a failure marked as refused, not a new lockout."""
    fail(client, "zhang", 5)
    sign_in(client, "zhang", PASSWORD)

    (locked,) = security_events("auth.locked_out")
    assert locked.target_id == str(zhang.pk) and locked.data["failures"] == 5
    assert "锁定 30 分钟" in locked.summary and "10.1.2.3" in locked.summary
    refused = [event.data["refused_while_locked"] for event in security_events("auth.login_failed")]
    assert refused == [False] * 5 + [True]


def test_behind_a_trusted_proxy_the_forwarded_address_is_logged(client, zhang, settings):
    """X-Forwarded-For counts only when the request comes from LIANBAN_TRUSTED_PROXY."""
    sign_in(client, "zhang", WRONG, ip="192.0.2.10", HTTP_X_FORWARDED_FOR="10.7.7.7")
    settings.LIANBAN_TRUSTED_PROXY = ["192.0.2.10"]
    sign_in(client, "zhang", WRONG, ip="192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.5, 10.7.7.7")
    assert [event.data["ip"] for event in security_events("auth.login_failed")] == ["192.0.2.10", "10.7.7.7"]
