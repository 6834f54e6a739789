"""The menus and a task list's filter are rendered once per worker process and kept (the "fragments"
cache, agencies/templatetags/lianban.py): what each user sees must still be exactly theirs, in their
language, and follow what they may open and what they chose."""

from __future__ import annotations

import re

import pytest
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task

from config.urls import site, workflow
from demo.stories import PENDING_APPROVAL

pytestmark = pytest.mark.django_db


def site_menu(page: str) -> str:
    """The site's menu: the last menu of the drawer's primary part (a workflow page has its own first)."""
    primary = page[page.index('<div class="vf-page__menu-primary">'):page.index('<div class="vf-page__menu-secondary">')]
    return primary[primary.rindex("<vf-page-menu-navigation"):]


def links(menu: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', menu)


def may_open(user) -> list[str]:
    return [app.reverse("index") for app in site.menu_items() if app.has_view_permission(user)]


def test_users_who_may_open_different_applications_each_see_their_own_menu_from_the_kept_ones(cast, login):
    clients = {username: login(username) for username in ("msb_officer", "psb_officer", "msb_leader")}
    expected = {username: may_open(cast.user(username)) for username in clients}
    assert len({tuple(apps) for apps in expected.values()}) == 3  # three different menus
    for _ in range(2):  # the second round is served from the kept menus
        for username, client in clients.items():
            assert links(site_menu(client.get("/cases/").content.decode())) == expected[username], username


def test_a_user_who_may_open_less_sees_the_smaller_menu_on_the_next_page(cast, login):
    """An officer moved from the bureau to the police: the bureau's applications leave their menu at once."""
    client = login("msb_officer")
    before = links(site_menu(client.get("/cases/").content.decode()))
    officer = cast.officers["msb_officer"]
    officer.agency = cast.agencies["cz-psb"]
    officer.save(update_fields=["agency"])
    after = links(site_menu(client.get("/cases/").content.decode()))
    assert after == may_open(type(officer.user).objects.get(pk=officer.user_id))
    assert "/rewards/" in before and "/rewards/" not in after


def test_each_language_gets_its_own_menu(login):
    client = login("msb_officer")
    chinese = site_menu(client.get("/cases/").content.decode())
    client.cookies["django_language"] = "en"
    english = site_menu(client.get("/cases/").content.decode())
    del client.cookies["django_language"]
    again = site_menu(client.get("/cases/").content.decode())
    assert "应用" in chinese and "Applications" in english and "Applications" not in chinese
    assert again == chinese and links(english) == links(chinese)


def test_the_task_list_filter_shows_what_was_chosen_and_nothing_when_nothing_was(cast, tell, login):
    """The filter is kept per choice: a page filtered by a step shows that step selected, the plain
    list shows none, whichever came first, and the order chosen rides along in the form."""
    tell(PENDING_APPROVAL)
    head = login("msb_head")
    approval = next(task for task in Task.objects.queue(workflow.flow_classes, cast.user("msb_head"))
                    if task.flow_task.name == "approve_transfer")
    ref = get_task_ref(approval.flow_task)

    def chosen(page: str) -> str:
        """The step the filter's select (viewflow's <vf-field-select>) shows as chosen."""
        form = page[page.index("<vf-list-filter"):page.index("</vf-list-filter>")]
        return re.search(r'<vf-field-select id="id_flow_task" name="flow_task" value="([^"]*)"', form).group(1)

    for _ in range(2):
        assert chosen(head.get("/workflow/queue/", {"flow_task": ref}).content.decode()) == ref
        assert chosen(head.get("/workflow/queue/").content.decode()) == ""
    ordered = head.get("/workflow/queue/", {"_orderby": "created"}).content.decode()
    assert re.search(r'<input type="hidden" name="_orderby" value="created">', ordered)
    assert re.search(r'<input type="hidden" name="_orderby" value="">', head.get("/workflow/queue/").content.decode())

