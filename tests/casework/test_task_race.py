"""Two officers (or two browser tabs) on one task: the one who comes second is told 该任务已被他人办理
(or that they already did it), lands on their inbox, and changes nothing — never a bare 403."""

from __future__ import annotations

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from viewflow.workflow import STATUS

from agencies.models import AuditEvent, Role
from agencies.services import officer_create
from casework.models import Case
from casework.workflow import ALREADY_DONE_BY_YOU, BUSY, TAKEN_BY_OTHERS
from demo.stories import PENDING_FILING

INBOX = "/workflow/inbox/"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def last_message(response) -> str:
    """What the snackbar shows after the redirect (viewflow shows the last message only)."""
    return messages_of(response)[-1]


def file_case_data(cast) -> dict:
    return {"approve": "yes", "opinion": "同意立案。",
            "investigators": [cast.user("msb_officer").pk, cast.user("msb_officer2").pk]}


def filing_task(case: Case):
    (task,) = [task for task in case.process.task_set.all() if task.flow_task.name == "file_case"]
    return task


def filed_events(case: Case) -> int:
    return AuditEvent.objects.filter(verb="case.filed", target_id=str(case.pk)).count()


@pytest.mark.django_db
class TestTheSecondComer:
    def test_the_second_approver_to_take_a_task_is_told_someone_else_has_it(self, tell, flow_client, login):
        case = tell(PENDING_FILING)
        urls = flow_client(login("msb_chief")).urls(case.process, "file_case")
        assert login("msb_chief").post(urls["assign"]).status_code == 302

        response = login("msb_head").post(urls["assign"])

        assert (response.status_code, response["Location"]) == (302, INBOX)
        assert last_message(response) == TAKEN_BY_OTHERS
        assert filing_task(case).owner.username == "msb_chief"

    def test_opening_a_task_someone_else_finished_says_so_instead_of_refusing(self, cast, tell, flow_client, login):
        case = tell(PENDING_FILING)
        urls = flow_client(login("msb_chief")).urls(case.process, "file_case")
        flow_client(login("msb_chief")).complete(case.process, "file_case", file_case_data(cast))

        for action in ("assign", "execute"):
            response = login("msb_head").post(urls[action], file_case_data(cast))
            assert (response.status_code, response["Location"]) == (302, INBOX), action
            assert last_message(response) == TAKEN_BY_OTHERS, action
        assert filed_events(case) == 1

    def test_submitting_a_finished_task_again_changes_nothing_and_says_it_is_done(self, cast, tell, flow_client, login):
        case = tell(PENDING_FILING)
        chief = login("msb_chief")
        urls = flow_client(chief).urls(case.process, "file_case")
        flow_client(chief).complete(case.process, "file_case", file_case_data(cast))
        tasks = case.process.task_set.count()

        response = chief.post(urls["execute"], {**file_case_data(cast), "opinion": "第二次提交。"})

        assert (response.status_code, response["Location"]) == (302, INBOX)
        assert last_message(response) == ALREADY_DONE_BY_YOU
        case.refresh_from_db()
        assert case.filing_opinion == "同意立案。"
        assert (filed_events(case), case.process.task_set.count()) == (1, tasks)

    def test_someone_who_may_not_take_the_task_is_still_refused_plainly(self, tell, flow_client, login):
        case = tell(PENDING_FILING)
        urls = flow_client(login("msb_chief")).urls(case.process, "file_case")
        officer = login("msb_officer")  # an officer does not approve 立案
        assert officer.post(urls["assign"]).status_code == 403
        assert filing_task(case).status == STATUS.NEW
        assert login("msb_chief").post(urls["assign"]).status_code == 302
        assert officer.post(urls["assign"]).status_code == 403  # nothing they could have won
        assert filing_task(case).owner.username == "msb_chief"


def race(clients: list[Client], url: str, data: dict | None = None) -> list:
    """POST `url` from every client at once, each in its own thread and database connection."""
    barrier = threading.Barrier(len(clients))
    results: list = [None] * len(clients)

    def work(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[index] = clients[index].post(url, data or {})
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"needs PostgreSQL's row lock on the process (SELECT … FOR UPDATE); this run uses {connection.vendor}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_approvers_taking_one_task_at_once_on_postgresql_leave_one_owner(cast, tell, flow_client, login):
    require_postgresql()
    case = tell(PENDING_FILING)
    users = [cast.user("msb_chief"), cast.user("msb_head")] + [
        officer_create(username=f"race_chief_{index}", full_name=f"科长{index}", agency=cast.agencies["zj-msb"],
                       role=Role.SECTION_CHIEF).user
        for index in range(18)
    ]
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append(client)
    url = flow_client(clients[0]).urls(case.process, "file_case")["assign"]

    results = race(clients, url)

    assert not [result for result in results if isinstance(result, BaseException)]
    told = [messages_of(result) for result in results]
    winners = [user.username for user, messages in zip(users, told) if messages not in ([TAKEN_BY_OTHERS], [BUSY])]
    assert len(winners) == 1, told
    assert filing_task(case).owner.username == winners[0]
    assert all(result.status_code == 302 for result in results)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_submissions_of_one_task_at_once_on_postgresql_complete_it_once(cast, tell, flow_client, login):
    require_postgresql()
    case = tell(PENDING_FILING)
    chief = login("msb_chief")
    urls = flow_client(chief).urls(case.process, "file_case")
    assert chief.post(urls["assign"]).status_code == 302
    tabs = [login("msb_chief") for _ in range(20)]  # twenty tabs, or twenty clicks

    results = race(tabs, urls["execute"], file_case_data(cast))

    assert not [result for result in results if isinstance(result, BaseException)]
    assert all(result.status_code == 302 for result in results), [result.status_code for result in results]
    told = [messages_of(result) for result in results]
    losers = [messages for messages in told if messages in ([ALREADY_DONE_BY_YOU], [BUSY])]
    assert len(losers) == 19, told
    assert filed_events(case) == 1
    open_tasks = case.process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED])
    assert [task.flow_task.name for task in open_tasks] == ["investigate"]  # the next step, created once
