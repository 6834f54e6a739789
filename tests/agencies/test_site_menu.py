"""The site menu on every page: each application the user may open, linked to its start page."""

from __future__ import annotations

import re

import pytest
from django.urls import clear_script_prefix, set_script_prefix

from config.urls import site

pytestmark = pytest.mark.django_db


def menu_links(page: str) -> list[str]:
    menu = page[page.index("<vf-page-menu-navigation"):page.index("</vf-page-menu-navigation>")]
    return re.findall(r'href="([^"]+)"', menu)


@pytest.mark.parametrize("username", ["msb_officer", "psb_officer", "msb_leader"])
def test_the_menu_links_exactly_the_applications_the_user_may_open(cast, login, username):
    user = cast.user(username)
    expected = [app.reverse("index") for app in site.menu_items() if app.has_view_permission(user)]
    for url in ("/cases/", "/search/"):
        assert menu_links(login(username).get(url).content.decode()) == expected, url
    if username != "msb_officer":  # the bureau's officer may open every application; the others some, not all
        assert expected and len(expected) < len(list(site.menu_items()))


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
