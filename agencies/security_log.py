"""Login security: the security log of sign-ins, the client address, the lockout page, the idle timeout.

Every login, logout, failed login and lockout is appended to the hash-chained audit trail under
thread "security", with the username and the client's IP address — never the password (Django
hands `user_login_failed` credentials with the password already masked, and only the username is
read from them). Throttling itself is django-axes (settings "# --- auth ---"): after
AXES_FAILURE_LIMIT failures one account is locked for AXES_COOLOFF_TIME, counted per username, so
a colleague behind the same office NAT is never locked by another officer's typos.

A failed login for a username that has no account still needs an audit target: the event names
the user model with an empty id (target "auth.user:"), the typed username stays in the summary.

Idle timeout: a signed-in session lives SESSION_COOKIE_AGE (LIANBAN_SESSION_IDLE_MINUTES) past its
last use. The session store drops a session once its expiry date has passed, and the date moves only
when the session is saved; SESSION_SAVE_EVERY_REQUEST would write the session row on every request.
`IdleSessionMiddleware` saves it at most once per LIANBAN_SESSION_REFRESH_SECONDS, so the timeout
slides with the officer's HTTP requests at a fraction of the writes. The notification websocket
never saves the session, so an open but idle tab does not keep it alive.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models, transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies.audit import audit_append
from agencies.models import Officer

THREAD = "security"
USERNAME_MAX = 150  # the length of auth.User.username; anything longer was not a username
REFRESHED_AT = "_lianban_refreshed_at"  # session key: when the session's expiry was last moved


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:  # signed in (read from the session: no user query)
            if time.time() - session.get(REFRESHED_AT, 0) >= settings.LIANBAN_SESSION_REFRESH_SECONDS:
                session_touch(request)
        return self.get_response(request)


def session_touch(request: HttpRequest) -> None:
    """Mark the session modified, so it is saved with a new expiry date at the end of the request."""
    request.session[REFRESHED_AT] = int(time.time())


@receiver(user_logged_in, dispatch_uid="lianban.security_log.session_touch")
def touch_session_on_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """The login saves the session anyway; stamped now, the requests of the next minute write nothing."""
    if request is not None and hasattr(request, "session"):
        session_touch(request)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a trusted proxy the nearest untrusted X-Forwarded-For hop.

    Used by axes (AXES_CLIENT_IP_CALLABLE) and by the security log. X-Forwarded-For is read only
    when the direct peer is one of LIANBAN_TRUSTED_PROXY, so a client cannot choose its own address.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = set(settings.LIANBAN_TRUSTED_PROXY)
    if not remote or remote not in trusted:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop in trusted:
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return remote  # a forged or garbled header: fall back to the proxy's own address
    return remote


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login screen, saying the account is locked (HTTP 429)."""
    return render(
        request,
        "registration/locked_out.html",
        {"message": settings.AXES_COOLOFF_MESSAGE},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def _ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or client_ip(request)


def _record(*, verb: str, summary: str, request: HttpRequest | None, username: str, user: Any | None, actor: Any | None, **data: Any) -> None:
    ip = _ip(request)
    officer = Officer.objects.select_related("agency").filter(user_id=user.pk).first() if user is not None else None
    # No account of that name: the user model with an empty id, rather than a made-up row.
    target = user if user is not None else SimpleNamespace(_meta=get_user_model()._meta, pk="")
    with transaction.atomic():
        audit_append(
            actor=actor,
            verb=verb,
            target=cast(models.Model, target),
            agency=officer.agency if officer else None,
            thread=THREAD,
            summary=f"{summary}：{username}，IP {ip or '未知'}",
            data={"ip": ip, "username": username, **data},
        )


def _account(username: str) -> Any | None:
    if not username:
        return None
    user_model = get_user_model()
    return user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()


def _typed_username(credentials: dict[str, Any]) -> str:
    value = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or ""
    return str(value)[:USERNAME_MAX]


@receiver(user_logged_in, dispatch_uid="lianban.security_log.logged_in")
def log_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    _record(verb="auth.login", summary="登录", request=request, username=user.get_username(), user=user, actor=user)


@receiver(user_logged_out, dispatch_uid="lianban.security_log.logged_out")
def log_logout(sender, request: HttpRequest | None, user, **kwargs) -> None:
    if user is None:  # a visitor who was not signed in pressed 退出
        return
    _record(verb="auth.logout", summary="退出登录", request=request, username=user.get_username(), user=user, actor=user)


@receiver(user_login_failed, dispatch_uid="lianban.security_log.login_failed")
def log_login_failed(sender, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs) -> None:
    username = _typed_username(credentials)
    # Axes marks a request it refused before checking the password (the account was already locked);
    # `axes_failures_since_start` is filled only when this attempt was counted as a new failure.
    refused = bool(getattr(request, "axes_locked_out", False)) and getattr(request, "axes_failures_since_start", None) is None
    _record(
        verb="auth.login_failed",
        summary="账户已锁定，拒绝登录" if refused else "登录失败",
        request=request, username=username, user=_account(username), actor=None, refused_while_locked=refused,
    )


@receiver(user_locked_out, dispatch_uid="lianban.security_log.locked_out")
def log_locked_out(sender, request: HttpRequest | None = None, username: str | None = None, **kwargs) -> None:
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return  # an attempt while already locked (logged as auth.login_failed), not a new lockout
    name = str(username or "")[:USERNAME_MAX]
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    _record(
        verb="auth.locked_out",
        summary=f"连续登录失败 {failures} 次，账户锁定 {minutes} 分钟",
        request=request, username=name, user=_account(name), actor=None, failures=failures, cooloff_minutes=minutes,
    )
