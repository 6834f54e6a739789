"""Notification pages: the user's list, open one (marks it read), mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from notifications.models import Notification
from notifications.selectors import notification_list_for_user
from notifications.services import notification_mark_all_read, notification_mark_read

PAGE_SIZE = 20


def _see_other(url: str) -> HttpResponseRedirect:
    """Redirect after POST with 303, the status Turbo Drive expects."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _list_url(page: str | None = None) -> str:
    url = reverse("notifications:list")
    return f"{url}?page={page}" if page and page.isascii() and page.isdigit() else url


def is_safe_local_url(url: str) -> bool:
    """A path on this site (`/cases/1/`), never another host, scheme or a protocol-relative `//host`."""
    return (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_list_for_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    # The unread count comes from the context processor (unread_notification_count).
    return render(request, "notifications/notification_list.html", {"page_obj": page, "paginator": page.paginator})


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark read, then open the notification's link (a local path only); with `stay`, back to the list."""
    try:
        notification = notification_mark_read(user=request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404("没有这条通知") from None
    if "stay" not in request.POST and notification.url and is_safe_local_url(notification.url):
        return _see_other(notification.url)
    return _see_other(_list_url(request.POST.get("page")))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    changed = notification_mark_all_read(user=request.user)
    if changed:
        messages.success(request, f"已将 {changed} 条通知标为已读")
    return _see_other(_list_url())
