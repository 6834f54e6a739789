"""Which browser origins may open a websocket: an exact match of scheme, host and port.

channels' AllowedHostsOriginValidator compares the Origin's host name with ALLOWED_HOSTS and ignores
its scheme and port, so a page served from http://127.0.0.1:9999 (any other program on the machine)
could open the notification socket with the officer's cookies. Here an Origin is accepted when

* LIANBAN_WS_ALLOWED_ORIGINS is set: it is one of those origins, exactly; otherwise
* it is one of CSRF_TRUSTED_ORIGINS (the public https origin behind a TLS-terminating proxy), or
* it is the socket's own origin: the Host header (a host of ALLOWED_HOSTS) with the scheme of the
  connection (ws → http, wss → https; daphne --proxy-headers reports X-Forwarded-Proto). The dev
  server on :8000 and the test servers on random ports are all served this way.

A request without an Origin header (not a browser) is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

Origin = tuple[str, str, int]
DEFAULT_PORTS = {"http": 80, "https": 443}
SCOPE_SCHEMES = {"ws": "http", "http": "http", "wss": "https", "https": "https"}


def parse_origin(value: str) -> Origin | None:
    """'https://Example.org' → ('https', 'example.org', 443); None for anything but an http(s) origin."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/") or parts.query:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def configured_origins() -> set[Origin]:
    """LIANBAN_WS_ALLOWED_ORIGINS when set, else CSRF_TRUSTED_ORIGINS (entries with wildcards never match)."""
    listed: Iterable[str] = getattr(settings, "LIANBAN_WS_ALLOWED_ORIGINS", None) or settings.CSRF_TRUSTED_ORIGINS
    return {origin for origin in map(parse_origin, listed) if origin is not None}


def own_origin(scope) -> Origin | None:
    """The origin the socket itself was reached at: Host header + the connection's scheme."""
    scheme = SCOPE_SCHEMES.get(str(scope.get("scheme") or "ws").lower())
    host = _header(scope, b"host")
    if scheme is None or not host:
        return None
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    return parse_origin(f"{scheme}://{host}")


def origin_allowed(scope) -> bool:
    origin_header = _header(scope, b"origin")
    origin = parse_origin(origin_header) if origin_header else None
    if origin is None:
        return False
    if origin in configured_origins():
        return True
    if getattr(settings, "LIANBAN_WS_ALLOWED_ORIGINS", None):
        return False  # an explicit list is the whole answer
    return origin == own_origin(scope)


def _header(scope, name: bytes) -> str | None:
    for header_name, value in scope.get("headers", []):
        if header_name.lower() == name:
            try:
                return value.decode("latin1")
            except UnicodeDecodeError:
                return None
    return None


class ExactOriginValidator:
    """ASGI middleware: a websocket whose Origin is not allowed (see module doc) is refused (HTTP 403)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("ExactOriginValidator only guards websocket connections")
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
