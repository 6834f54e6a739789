"""/healthz: is the database answering, and does the channel layer carry a message?

Anyone (a load balancer's probe) gets only {"ok": true} with 200, or {"ok": false} with 503; the
parts, with vendor names, timings and error messages, are shown to signed-in staff (is_staff) only.
"""

from __future__ import annotations

import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 — report any failure, never raise from a health check
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.monotonic() - started) * 1000, 1)}


def _channel_layer() -> dict:
    layer = get_channel_layer()
    if layer is None:
        return {"ok": False, "error": "CHANNEL_LAYERS 未配置"}
    backend = type(layer).__name__
    started = time.monotonic()
    try:
        channel = async_to_sync(layer.new_channel)("healthz.")
        token = uuid.uuid4().hex
        async_to_sync(layer.send)(channel, {"type": "healthz.ping", "token": token})
        message = async_to_sync(layer.receive)(channel)
        ok = message.get("token") == token
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "backend": backend, "error": str(exc)[:200]}
    return {"ok": ok, "backend": backend, "ms": round((time.monotonic() - started) * 1000, 1)}


@never_cache
@require_GET
def healthz(request):
    report = {"database": _database(), "channel_layer": _channel_layer()}
    report["ok"] = all(part["ok"] for part in report.values())
    status = 200 if report["ok"] else 503
    if not (request.user.is_authenticated and request.user.is_staff):
        return JsonResponse({"ok": report["ok"]}, status=status)
    return JsonResponse(report, status=status, json_dumps_params={"ensure_ascii": False})
