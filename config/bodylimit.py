"""The request body limit, enforced before Django reads the body.

Django's ASGI handler spools the whole body to a temporary file before any view, middleware or upload
handler runs, so a 2 GiB POST would fill /tmp before `casework.uploads.SizeLimitUploadHandler` could
refuse it. This ASGI wrapper refuses such a request first: at once when its Content-Length is too
large, and as soon as the bytes read pass the limit when it declares none (chunked). The limit is the
largest evidence file plus the form fields beside it.
"""

from __future__ import annotations

from django.conf import settings

MESSAGE = "提交的内容过大：单次上传不得超过 {limit}。请压缩或分拆后再上传。"


def body_limit() -> int:
    return settings.LIANBAN_EVIDENCE_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _readable(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MiB" if size >= 1024 * 1024 else f"{size} 字节"


async def refuse(send, limit: int) -> None:
    body = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>内容过大</title></head>'
        f"<body><h1>413 内容过大</h1><p>{MESSAGE.format(limit=_readable(limit))}</p></body></html>"
    ).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"), (b"cache-control", b"no-store"),
    ]})
    await send({"type": "http.response.body", "body": body})


class RequestBodyLimit:
    """ASGI middleware for the "http" scope: 413 for a body past `body_limit()`, nothing spooled."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit()
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            return await refuse(send, limit)

        received = 0
        overflowed = started = False

        async def limited_receive():
            nonlocal received, overflowed
            if overflowed:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # Django takes a disconnect as "stop reading" and answers nothing
                    overflowed = True
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, tracked_send)
        if overflowed and not started:
            await refuse(send, limit)
