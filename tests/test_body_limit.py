"""An oversize upload is refused before Django spools its body to disk, whether it declares its length
or streams it in chunks; a normal upload still goes through. Driven through the real ASGI application."""

from __future__ import annotations

import asyncio

import pytest
from django.test import override_settings
from django.urls import reverse

from casework import services
from casework.models import CaseSource, Evidence

pytestmark = pytest.mark.django_db(transaction=True)


def call(scope_path: str, cookie: str, chunks: list[bytes], *, declared: int | None, content_type: bytes = b"application/octet-stream"):
    """POST through config.asgi.application; returns (status, body text, how many chunks the app read)."""
    from config.asgi import application

    headers = [(b"host", b"testserver"), (b"cookie", cookie.encode()), (b"content-type", content_type)]
    if declared is not None:
        headers.append((b"content-length", str(declared).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": scope_path, "raw_path": scope_path.encode(), "query_string": b"", "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    pending = list(chunks)
    read = 0
    sent: list[dict] = []

    async def receive():
        nonlocal read
        if not pending:
            await asyncio.sleep(3600)  # a client that keeps the connection open
        read += 1
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message):
        sent.append(message)

    asyncio.run(asyncio.wait_for(application(scope, receive, send), timeout=30))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body.decode("utf-8", "replace"), read


@pytest.fixture
def upload_url(cast, login):
    case = services.case_register(user=cast.user("msb_officer"), title="上传上限测试案", source=CaseSource.TIP, summary="测试线索")
    client = login("msb_officer")
    return reverse("cases:evidence_add", args=[case.pk]), f"sessionid={client.cookies['sessionid'].value}"


def test_a_declared_length_past_the_limit_is_refused_without_reading_the_body(upload_url):
    url, cookie = upload_url
    with override_settings(LIANBAN_EVIDENCE_MAX_BYTES=4096, DATA_UPLOAD_MAX_MEMORY_SIZE=1024):
        status, text, read = call(url, cookie, [b"x" * 1024] * 10, declared=10 * 1024)
    assert status == 413 and "提交的内容过大" in text
    assert read == 0  # not a byte of the body was taken in
    assert not Evidence.objects.exists()


def test_a_chunked_body_is_cut_off_as_soon_as_it_passes_the_limit(upload_url):
    url, cookie = upload_url
    with override_settings(LIANBAN_EVIDENCE_MAX_BYTES=4096, DATA_UPLOAD_MAX_MEMORY_SIZE=1024):
        status, text, read = call(url, cookie, [b"x" * 1024] * 50, declared=None)
    assert status == 413 and "不得超过 5120 字节" in text
    assert read == 6  # 6 KiB read, past the 5 KiB limit: the other 44 chunks never are
    assert not Evidence.objects.exists()


def test_a_body_within_the_limit_reaches_the_view(upload_url):
    url, cookie = upload_url
    with override_settings(LIANBAN_EVIDENCE_MAX_BYTES=4096, DATA_UPLOAD_MAX_MEMORY_SIZE=1024):
        status, _, read = call(url, cookie, [b"kind=document"], declared=len(b"kind=document"),
                               content_type=b"application/x-www-form-urlencoded")
    assert (status, read) == (403, 1)  # read whole and answered by Django (no CSRF token here), not by the limit
