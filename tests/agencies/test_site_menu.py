"""The site menu on every page: each application the user may open, linked to its start page.

The menus are rendered once per worker process and kept (the "fragments" cache,
agencies/templatetags/lianban.py): what each user sees must still be exactly theirs, in their language,
and follow what they may open."""

from __future__ import annotations

import re

import pytest
from django.urls import clear_script_prefix, set_script_prefix

from config.urls import site

pytestmark = pytest.mark.django_db


def first_menu(page: str) -> str:
    """The page's first menu: the site's, or on a workflow page the 待办事项 menu."""
    return page[page.index("<vf-page-menu-navigation"):page.index("</vf-page-menu-navigation>")]


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def menu_links(page: str) -> list[str]:
    return hrefs(first_menu(page))


def may_open(user) -> list[str]:
    return [app.reverse("index") for app in site.menu_items() if app.has_view_permission(user)]


@pytest.mark.parametrize("url", ["/cases/", "/workflow/inbox/"], ids=["site menu", "the workflow's menu"])
def test_a_site_under_a_path_links_its_applications_under_that_path(login, url):
    client = login("msb_officer")
    plain = menu_links(client.get(url).content.decode())  # the addresses and the menu are kept from here on
    assert plain and all(link.startswith("/") and not link.startswith("/lianban/") for link in plain)
    set_script_prefix("/lianban/")  # what a WSGI/ASGI server behind a proxy's sub-path sets each request
    try:
        prefixed = menu_links(client.get(url).content.decode())
    finally:
        clear_script_prefix()
    assert prefixed == ["/lianban" + link for link in plain]
    assert menu_links(client.get(url).content.decode()) == plain


def test_users_who_may_open_different_applications_each_see_their_own_menu_from_the_kept_ones(cast, login):
    """Three users, three different menus, asked for in turn: each gets exactly the applications they
    may open, on every page, also once the menus are kept."""
    clients = {username: login(username) for username in ("msb_officer", "psb_officer", "msb_leader")}
    expected = {username: may_open(cast.user(username)) for username in clients}
    assert len({tuple(apps) for apps in expected.values()}) == 3
    assert all(expected.values()) and len(expected["psb_officer"]) < len(list(site.menu_items()))
    for _ in range(2):  # the second round is served from the kept menus
        for url in ("/cases/", "/search/"):
            for username, client in clients.items():
                assert menu_links(client.get(url).content.decode()) == expected[username], (username, url)


def test_a_user_who_may_open_less_sees_the_smaller_menu_on_the_next_page(cast, login):
    """An officer moved from the bureau to the police: the bureau's applications leave their menu at once."""
    client = login("msb_officer")
    before = menu_links(client.get("/cases/").content.decode())
    officer = cast.officers["msb_officer"]
    officer.agency = cast.agencies["cz-psb"]
    officer.save(update_fields=["agency"])
    after = menu_links(client.get("/cases/").content.decode())
    assert after == may_open(type(officer.user).objects.get(pk=officer.user_id))
    assert "/rewards/" in before and "/rewards/" not in after


def test_each_language_gets_its_own_menu(login):
    client = login("msb_officer")
    chinese = first_menu(client.get("/cases/").content.decode())
    client.cookies["django_language"] = "en"
    english = first_menu(client.get("/cases/").content.decode())
    del client.cookies["django_language"]
    again = first_menu(client.get("/cases/").content.decode())
    assert "应用" in chinese and "Applications" in english and "Applications" not in chinese
    assert again == chinese and hrefs(english) == hrefs(chinese)
