"""Input no database can hold — ids past bigint, dates in year 1 or 9999, parameters thousands of digits
long — answers 404 or 400 (or is ignored), never a 500; a replay cursor past any id replays nothing."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import DataError
from django.http import HttpResponse
from django.test import Client, RequestFactory

from casework.models import CalendarDay
from config.errors import OutOfRangeAsNotFoundMiddleware
from notifications.services import notify
from tests.notifications.conftest import isolated_channel_layer, session_cookie, socket_for  # noqa: F401 (fixture)

HUGE = "9" * 20  # past 2**63 - 1: viewflow's <int:...> and our own URLs accept it, no database column holds it
HUGE_ID_URLS = [
    f"/workflow/flows/case/{HUGE}/",
    f"/workflow/flows/case/{HUGE}/chart/",
    f"/cases/{HUGE}/",
    f"/cases/{HUGE}/evidence/add/",
    f"/cases/{HUGE}/evidence/{HUGE}/download/",
    f"/referrals/{HUGE}/",
    f"/api/cases/{HUGE}/",
    f"/api/referrals/{HUGE}/",
    f"/api/notifications/{HUGE}/",
    f"/api/supervisions/{HUGE}/",
    f"/api/resolutions/{HUGE}/",
]
LIST_URLS = ["/cases/", "/referrals/", "/workflow/flows/case/", "/workflow/inbox/", "/notifications/", "/api/cases/"]
STATISTICS = "/leadership/statistics/"
STATISTICS_EXPORT = "/leadership/statistics/export.xlsx"


def client_of(user) -> Client:
    client = Client(raise_request_exception=False)  # a 500 shows as a status, as a browser would see it
    client.force_login(user)
    return client


@pytest.fixture
def officer(cast) -> Client:
    return client_of(cast.user("msb_officer"))


@pytest.mark.parametrize("url", HUGE_ID_URLS)
def test_an_id_past_the_database_range_is_a_page_not_found(officer, url):
    """/workflow/flows/case/99999999999999999999/ and its like answer 404, not a server error."""
    response = officer.get(url)
    assert response.status_code == 404, url


def test_the_workflow_page_of_a_huge_id_is_the_chinese_not_found_page(officer):
    """SQLite overflows (the middleware's 未找到该记录); PostgreSQL compares as numeric and finds nothing."""
    response = officer.get(f"/workflow/flows/case/{HUGE}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "未找到该记录" in page or "没有找到该页面" in page


def test_every_textarea_of_every_form_is_bounded():
    """A form field for free text refuses more than LONG_TEXT_MAX_LENGTH characters (a million-character summary was accepted)."""
    import inspect

    from django import forms

    import agreements.forms
    import casework.forms
    import inspections.forms
    import meetings.forms
    import referral.forms
    import supervision.forms
    from casework.forms import LONG_TEXT_MAX_LENGTH

    modules = [casework.forms, referral.forms, supervision.forms, meetings.forms, agreements.forms, inspections.forms]
    unbounded, seen = [], 0
    for module in modules:
        for name, form_class in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form_class, forms.BaseForm) or form_class.__module__ != module.__name__:
                continue
            for field_name, field in form_class.base_fields.items():
                if isinstance(field, forms.CharField) and isinstance(field.widget, forms.Textarea):
                    seen += 1
                    if not field.max_length or field.max_length > LONG_TEXT_MAX_LENGTH:
                        unbounded.append(f"{module.__name__}.{name}.{field_name}")
    assert seen > 40 and unbounded == []


@pytest.mark.parametrize("url", LIST_URLS)
def test_a_list_with_a_page_number_of_ten_thousand_digits_does_not_fail(officer, url):
    response = officer.get(url, {"page": "9" * 10_000})
    assert response.status_code in (200, 404), url


@pytest.mark.parametrize("url", LIST_URLS)
def test_a_list_searched_with_a_hundred_thousand_characters_does_not_fail(officer, url):
    response = officer.get(url, {"q": "医" * 100_000, "search": "x" * 100_000})
    assert response.status_code in (200, 400), url


@pytest.mark.parametrize("url", [STATISTICS, STATISTICS_EXPORT])
def test_statistics_for_year_one_to_9999_are_refused_with_a_chinese_form_error(cast, url):
    leader = client_of(cast.user("msb_leader"))
    response = leader.get(url, {"start": "0001-01-01", "end": "9999-12-31", "region": "321100"})
    assert response.status_code == (200 if url == STATISTICS else 400)
    page = response.content.decode()
    assert "日期应在 1900-01-01 至 2100-12-31 之间" in page
    assert 'data-testid="bureau-figures"' not in page


@pytest.mark.parametrize("object_id", ["abc", "99999", HUGE, "9999-99-99"])
def test_admin_view_on_site_with_an_id_a_date_key_cannot_hold_is_not_found(db, object_id):
    admin = get_user_model().objects.create_superuser("root", "root@example.cn", "x-unused")
    content_type = ContentType.objects.get_for_model(CalendarDay)
    response = client_of(admin).get(f"/admin/r/{content_type.pk}/{object_id}/")
    assert response.status_code == 404


def test_the_admin_view_on_site_shortcut_still_requires_a_staff_login(db):
    content_type = ContentType.objects.get_for_model(CalendarDay)
    response = Client().get(f"/admin/r/{content_type.pk}/abc/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def raising(exception: Exception):
    def view(request):
        raise exception

    return view


@pytest.mark.parametrize(
    "exception",
    [OverflowError("Python int too large to convert to SQLite INTEGER"), DataError('value "99999999999999999999" is out of range for type bigint')],
)
def test_an_out_of_range_error_from_a_view_becomes_the_not_found_page(db, exception):
    request = RequestFactory().get("/anything/")
    middleware = OutOfRangeAsNotFoundMiddleware(lambda request: HttpResponse())
    response = middleware.process_exception(request, exception)
    assert response is not None and response.status_code == 404
    assert "未找到该记录" in response.content.decode()


def test_other_database_errors_still_surface_as_errors(db):
    """A value too long for its column is a defect to fix, not a missing record: no 404 hides it."""
    middleware = OutOfRangeAsNotFoundMiddleware(lambda request: HttpResponse())
    error = DataError("value too long for type character varying(200)")
    assert middleware.process_exception(RequestFactory().get("/"), error) is None


# --- the notification socket's replay cursor ---------------------------------------------------------------


def notify_once(user) -> None:
    from django.db import transaction

    with transaction.atomic():
        notify(recipients=[user], event="case.transferred", title="错过的通知")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("since", ["0" + "9" * 5000, "9" * 5000, str(2**63), HUGE])
async def test_a_replay_cursor_past_any_id_is_accepted_and_replays_nothing(since):
    """?since=<5000 digits> no longer closes the socket with 1011: it is an invalid cursor, nothing is replayed."""
    user = await database_sync_to_async(get_user_model().objects.create_user)(username="alice", password="x-unused")
    await database_sync_to_async(notify_once)(user)  # a replay from any valid cursor below its id would send it
    socket = socket_for(await database_sync_to_async(session_cookie)(user), query=f"?since={since}")
    connected, _ = await socket.connect(timeout=3)
    try:
        assert connected
        assert await socket.receive_nothing(timeout=0.3)
    finally:
        await socket.disconnect(timeout=3)
