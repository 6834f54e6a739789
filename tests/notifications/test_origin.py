"""The notification socket opens only for a page of this site: Origin matched on scheme, host and port."""

from __future__ import annotations

import pytest

from config.asgi import application
from config.origins import parse_origin
from tests.notifications.conftest import SocketCommunicator, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(cookie: bytes, *, host: bytes | None = b"127.0.0.1:8000", origin: bytes | None,
                  scheme: str = "ws") -> bool:
    headers = [(b"cookie", cookie)]
    if host is not None:
        headers.append((b"host", host))
    if origin is not None:
        headers.append((b"origin", origin))
    socket = SocketCommunicator(application, "/ws/notifications/", headers=headers)
    socket.scope["scheme"] = scheme
    connected, _ = await socket.connect(timeout=3)
    await socket.disconnect()
    return connected


@pytest.fixture
def cookie(alice):
    return session_cookie(alice)


async def test_a_page_of_the_site_itself_opens_the_socket(cookie):
    assert await connect(cookie, origin=b"http://127.0.0.1:8000")


async def test_a_page_on_another_port_of_the_same_host_is_refused(cookie):
    """The reported hole: any program serving http://127.0.0.1:9999 could read an officer's notifications."""
    assert not await connect(cookie, origin=b"http://127.0.0.1:9999")


async def test_a_page_on_the_same_host_and_port_over_another_scheme_is_refused(cookie):
    assert not await connect(cookie, origin=b"https://127.0.0.1:8000")
    assert not await connect(cookie, host=b"lianban.example:443", origin=b"http://lianban.example:443", scheme="wss")


async def test_a_socket_without_an_origin_header_is_refused(cookie):
    assert not await connect(cookie, origin=None)


async def test_a_host_outside_allowed_hosts_is_refused_even_when_origin_matches_it(cookie):
    assert not await connect(cookie, host=b"rebound.example:8000", origin=b"http://rebound.example:8000")


async def test_a_secure_socket_behind_the_proxy_accepts_the_public_https_origin(cookie, settings):
    settings.ALLOWED_HOSTS = ["lianban.example.gov.cn"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://lianban.example.gov.cn"]
    # daphne --proxy-headers: the proxy talks plain ws to the worker and reports X-Forwarded-Proto.
    assert await connect(cookie, host=b"lianban.example.gov.cn", origin=b"https://lianban.example.gov.cn")
    assert await connect(cookie, host=b"lianban.example.gov.cn", origin=b"https://lianban.example.gov.cn",
                         scheme="https")
    assert not await connect(cookie, host=b"lianban.example.gov.cn", origin=b"https://lianban.example.gov.cn:8443")


async def test_an_explicit_origin_list_is_the_whole_answer(cookie, settings):
    settings.LIANBAN_WS_ALLOWED_ORIGINS = ["https://lianban.example.gov.cn"]
    assert not await connect(cookie, origin=b"http://127.0.0.1:8000")  # its own origin no longer suffices
    assert await connect(cookie, origin=b"https://lianban.example.gov.cn")


def test_origins_compare_with_default_ports_and_case_folded():
    assert parse_origin("HTTPS://Lianban.Example") == parse_origin("https://lianban.example:443")
    assert parse_origin("http://127.0.0.1") == ("http", "127.0.0.1", 80)
    assert parse_origin("null") is None
    assert parse_origin("ftp://example.org") is None
