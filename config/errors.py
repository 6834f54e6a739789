"""A record id or date past what the database can hold names no record: answer 404, not 500.

The known causes are fixed where they arise (bounded forms, the replay cursor); this is the safety
net for the rest, such as a foreign-key lookup with `<int:...>` = 99999999999999999999 in a
third-party URL (SQLite raises OverflowError; PostgreSQL a DataError "out of range"). Other
DataErrors (a value too long for its column, say) are real defects and still surface as 500.
"""

from __future__ import annotations

import logging

from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes import views as contenttype_views
from django.core.exceptions import ValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

# SQLSTATE 22003 numeric_value_out_of_range, 22008 datetime_field_overflow, 22007 invalid_datetime_format.
OUT_OF_RANGE_SQLSTATES = {"22003", "22008", "22007"}
NOT_FOUND_MESSAGE = "未找到该记录。"


def is_out_of_range(exception: BaseException) -> bool:
    if isinstance(exception, OverflowError):
        return True
    if not isinstance(exception, DataError):
        return False
    cause = exception.__cause__
    if getattr(cause, "sqlstate", None) in OUT_OF_RANGE_SQLSTATES:
        return True
    return "out of range" in str(exception).lower()


def record_not_found(request: HttpRequest) -> HttpResponse:
    try:
        body = render_to_string("record_not_found.html", {"status_code": 404}, request=request)
    except Exception:  # the page itself must not turn the 404 back into a 500
        logger.exception("rendering record_not_found.html failed")
        body = f"<!DOCTYPE html><meta charset='utf-8'><title>404</title><h1>{NOT_FOUND_MESSAGE}</h1>"
    return HttpResponseNotFound(body)


def admin_shortcut(request: HttpRequest, content_type_id: str, object_id: str) -> HttpResponse:
    """Django admin's "view on site" redirect (/admin/r/<ct>/<id>/), with an id its primary key cannot
    hold (e.g. "abc" for CalendarDay's date key) answered 404: Django lets that ValidationError through."""
    try:
        return contenttype_views.shortcut(request, content_type_id, object_id)
    except ValidationError as exc:
        raise Http404(NOT_FOUND_MESSAGE) from exc


class OutOfRangeAsNotFoundMiddleware:
    """Turns an OverflowError or an out-of-range DataError raised by a view into the 404 page 未找到该记录."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_out_of_range(exception):
            return None
        logger.warning("out-of-range input answered 404: %s %s (%s)", request.method, request.path[:200], exception)
        return record_not_found(request)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403 for a signed-in user; a visitor is asked to sign in first (and comes back to the page)."""
    if not request.user.is_authenticated and request.method in ("GET", "HEAD"):
        return redirect_to_login(request.get_full_path())
    return defaults.permission_denied(request, exception)
