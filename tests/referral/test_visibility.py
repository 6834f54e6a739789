"""Who may see a case once it has been sent to the police — and who may not.

Issue requirement: "A PSB officer of another city (cz_psb_officer), a health-commission officer
(health_officer) and an anonymous user get 403/404 on that case's pages, its tasks, its letter
download and its process detail and chart." The MSB officer of another city (cz_msb_officer) is an
outsider too. A case at the demo stage SENT has every kind of page: the case file and its evidence,
the referral with its package and numbered letter, two processes with charts, finished tasks and an
open one (the police's 签收回执). Lists are scoped the same way: an outsider finds none of it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import docx
import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from viewflow.workflow import STATUS

from casework.flows import CaseFlow
from casework.models import Case
from referral.flows import TransferFlow
from referral.models import Referral, ReferralStatus

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
OUTSIDERS = ["cz_psb_officer", "health_officer", "cz_msb_officer", ANONYMOUS]
LOGGED_IN_OUTSIDERS = [name for name in OUTSIDERS if name != ANONYMOUS]
REFUSED = {403, 404}
OPEN = [STATUS.NEW, STATUS.ASSIGNED]

# The bureau's internal deliberations: they must never reach the receiving agency.
INTERNAL_NOTES = {
    "verification_opinion": "核查意见（内部）：举报人系医院前员工，线索可信度高。",
    "filing_opinion": "立案审批意见（内部）：请重点核查院长本人。",
    "decision_opinion": "负责人意见（内部）：此案牵涉市领导亲属，注意保密。",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Sent:
    case: Case
    referral: Referral

    @property
    def processes(self):
        return [self.case.process, self.referral.process]

    @property
    def letter(self):
        return self.referral.documents.get(title="涉嫌犯罪案件移送书")


@pytest.fixture
def sent(tell) -> Sent:
    """A case the head approved for transfer: the letter is issued, the police's receipt is pending."""
    from demo.stories import SENT

    case = tell(SENT)
    Case.objects.filter(pk=case.pk).update(**INTERNAL_NOTES)
    case.refresh_from_db()
    referral = case.referrals.get()
    assert referral.status == ReferralStatus.SENT
    return Sent(case=case, referral=referral)


@pytest.fixture
def client_of(login):
    def _client(name: str) -> Client:
        return Client() if name == ANONYMOUS else login(name)

    return _client


# --- the pages of one case ------------------------------------------------------------------------


def case_pages(s: Sent) -> list[str]:
    case = s.case
    return [
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:subject_add", args=[case.pk]),
        reverse("cases:evidence_add", args=[case.pk]),
        *(reverse("cases:evidence_download", args=[case.pk, e.pk]) for e in case.evidence.all()),
    ]


def referral_pages(s: Sent) -> list[str]:
    referral = s.referral
    return [
        reverse("referrals:detail", args=[referral.pk]),
        *(reverse("referrals:item_download", args=[referral.pk, item.pk]) for item in referral.package_items.all()),
        reverse("referrals:document_download", args=[s.letter.pk]),
    ]


def pages_of_process(process) -> list[str]:
    flow = process.flow_class.instance
    chart = flow.reverse("process_chart", args=[process.pk])
    return [flow.reverse("process_detail", args=[process.pk]), chart, f"{chart}?format=bpmn"]


def process_pages(s: Sent) -> list[str]:
    return [url for process in s.processes for url in pages_of_process(process)]


def task_url(task, action: str) -> str | None:
    try:
        return task.flow_task.reverse(action, args=[task.process_id, task.pk])
    except NoReverseMatch:  # the node has no such page
        return None


def task_pages(s: Sent) -> list[str]:
    """detail of every task; index of human tasks; assign and execute of open human tasks."""
    urls = []
    for process in s.processes:
        for task in process.task_set.order_by("pk"):
            human = task.flow_task_type == "HUMAN"
            actions = ["detail"]
            if human:
                actions.append("index")
            if human and task.status in OPEN:
                actions += ["assign", "execute"]
            urls += [url for url in (task_url(task, action) for action in actions) if url]
    return urls


PAGES = {"case": case_pages, "referral": referral_pages, "process": process_pages, "task": task_pages}


@pytest.mark.parametrize("pages", PAGES)
@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsider_is_refused_every_page_of_a_case_sent_to_the_police(sent, client_of, outsider, pages):
    """Each page answers 403 or 404 to the outsider — or, to a visitor who has not signed in, sends
    them to the login form; the failure message lists every page that did not."""
    client = client_of(outsider)
    urls = PAGES[pages](sent)
    assert len(urls) >= 3
    answers = {url: client.get(url) for url in urls}
    assert {url: response.status_code for url, response in answers.items() if not refused(response, outsider)} == {}


def refused(response, outsider: str) -> bool:
    if response.status_code in REFUSED:
        return True
    to_login = response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    return outsider == ANONYMOUS and to_login


def test_owning_officer_opens_every_case_page_and_the_police_only_the_referral(sent, login):
    """Positive control for the pages above: the same URLs do open for the people they belong to."""
    officer, police = login("msb_officer"), login("psb_officer")
    for url in case_pages(sent) + referral_pages(sent) + process_pages(sent):
        assert officer.get(url).status_code == 200, url
    for url in referral_pages(sent) + pages_of_process(sent.referral.process):
        assert police.get(url).status_code == 200, url
    for url in case_pages(sent) + pages_of_process(sent.case.process):
        assert police.get(url).status_code == 404, url
    case_tasks = sent.case.process.task_set.filter(flow_task_type="HUMAN")
    assert case_tasks.count() >= 4
    for task in case_tasks:
        assert officer.get(task_url(task, "detail")).status_code == 200, task.flow_task.name
        assert police.get(task_url(task, "detail")).status_code == 404, task.flow_task.name  # the guard hides the case process entirely
    receipt = sent.referral.process.task_set.get(flow_task_type="HUMAN", status=STATUS.NEW)
    assert police.get(task_url(receipt, "detail")).status_code == 200


def test_outsider_is_refused_the_index_page_of_automatic_tasks(sent, client_of):
    """Gateways, functions, starts and handles have an index page too; it must refuse outsiders, not redirect them."""
    tasks = [task for process in sent.processes for task in process.task_set.exclude(flow_task_type="HUMAN")]
    urls = [url for url in (task_url(task, "index") for task in tasks) if url]
    assert len(urls) >= 5
    for outsider in LOGGED_IN_OUTSIDERS:
        client = client_of(outsider)
        answers = {url: client.get(url).status_code for url in urls}
        assert {url: status for url, status in answers.items() if status not in REFUSED} == {}, outsider


def minute(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsider_cannot_take_or_complete_the_polices_open_task(sent, cast, client_of, login, outsider):
    """POSTs to assign and execute (and the queue's bulk assign) are refused and change nothing,
    whether the receipt task is still in the police queue or already taken by the police officer."""
    client = client_of(outsider)
    task = sent.referral.process.task_set.get(flow_task_type="HUMAN", status__in=OPEN)
    receipt = {"received_at": minute(timezone.now()), "items_received": "6", "signer_title": "民警"}

    def attempt() -> None:
        before = (task.status, task.owner_id)
        for action, data in [("assign", {}), ("execute", receipt), ("unassign", {})]:
            response = client.post(task_url(task, action), data)
            assert response.status_code in REFUSED, (action, response.status_code)
            task.refresh_from_db()
            assert (task.status, task.owner_id) == before, action
        response = client.post(reverse("workflow:tasks_assign"), {"pk": [task.pk], "_confirm": "1"})
        assert response.status_code in REFUSED
        task.refresh_from_db()
        assert (task.status, task.owner_id) == before

    attempt()
    police = login("psb_officer")
    assert police.post(task_url(task, "assign")).status_code == 302  # the same URL works for its agency
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and task.owner == cast.user("psb_officer")
    attempt()
    sent.referral.refresh_from_db()
    assert sent.referral.status == ReferralStatus.SENT and sent.referral.received_at is None


def test_bulk_action_confirmation_does_not_show_another_agencys_task(sent, client_of):
    """Posting a foreign task's id to the bulk assign/unassign form must not reveal what that task is about."""
    task = sent.referral.process.task_set.get(flow_task_type="HUMAN", status__in=OPEN)
    for outsider in LOGGED_IN_OUTSIDERS:
        client = client_of(outsider)
        for name in ("workflow:tasks_assign", "workflow:tasks_unassign"):
            response = client.post(reverse(name), {"pk": [task.pk]})
            assert sent.case.title not in response.content.decode(), (outsider, name)


# --- lists ----------------------------------------------------------------------------------------


def list_pages(s: Sent) -> dict[str, str]:
    """Each list URL → the search term it echoes back (which therefore proves nothing), or ''."""
    pages = {reverse(name): "" for name in (
        "cases:index", "referrals:index", "workflow:inbox", "workflow:queue", "workflow:archive", "workflow:index")}
    for flow in (CaseFlow.instance, TransferFlow.instance):
        pages.update({flow.reverse(name): "" for name in ("index", "process_list", "task_list")})
    subject = s.case.subjects.first()
    for term in (s.case.number, s.case.title, subject.name, subject.identifier):
        pages[f"{reverse('cases:index')}?q={term}"] = term
    for term in (s.case.number, s.letter.number, s.case.title):
        pages[f"{reverse('referrals:index')}?q={term}"] = term
    return pages


def markers(s: Sent) -> set[str]:
    """What would show that a row of this case is on the page."""
    found = {s.case.title, s.case.number, s.letter.number, f'"{reverse("cases:detail", args=[s.case.pk])}"',
             f'"{reverse("referrals:detail", args=[s.referral.pk])}"'}
    for process in s.processes:
        found.add(f'"{process.flow_class.instance.reverse("process_detail", args=[process.pk])}"')
        for task in process.task_set.all():
            found.update(f'"{url}"' for action in ("index", "detail", "assign") if (url := task_url(task, action)))
    return found


def visible_markers(client: Client, url: str, echoed: str, expected: set[str]) -> set[str]:
    response = client.get(url, follow=True)
    if response.status_code in REFUSED:
        return set()
    assert response.status_code == 200, url
    text = response.content.decode()
    return {marker for marker in expected if marker not in echoed and marker in text}


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsider_finds_nothing_of_the_case_in_any_list_or_search(sent, client_of, outsider):
    """Case and referral lists, inbox, queue, archive, the flows' dashboards, process and task lists, searches."""
    client, expected = client_of(outsider), markers(sent)
    shown = {url: visible_markers(client, url, echoed, expected) for url, echoed in list_pages(sent).items()}
    assert {url: found for url, found in shown.items() if found} == {}


def test_lists_show_the_case_to_its_officer_and_the_referral_to_the_police(sent, login):
    """Positive control for the list test: the markers do show where the rows belong."""
    officer, police, expected = login("msb_officer"), login("psb_officer"), markers(sent)
    pages = list_pages(sent)
    msb_lists = [reverse("cases:index"), reverse("referrals:index"), reverse("workflow:archive"),
                 CaseFlow.instance.reverse("process_list"), CaseFlow.instance.reverse("task_list"),
                 *(url for url, echoed in pages.items() if echoed)]
    for url in msb_lists:
        assert visible_markers(officer, url, pages[url], expected), url
    psb_lists = [reverse("referrals:index"), reverse("workflow:queue"), TransferFlow.instance.reverse("index"),
                 TransferFlow.instance.reverse("process_list"), TransferFlow.instance.reverse("task_list"),
                 f"{reverse('referrals:index')}?q={sent.letter.number}"]
    for url in psb_lists:
        assert visible_markers(police, url, pages.get(url, ""), expected), url
    assert not visible_markers(police, reverse("cases:index"), "", expected)


# --- what the police see of the case ----------------------------------------------------------------


def test_police_see_the_package_but_none_of_the_bureaus_internal_notes(sent, login):
    """The referral page, its task page, its process page and the letter carry the package, never the
    bureau's verification, filing or decision opinions — which the bureau's own case page does show."""
    police, officer = login("psb_officer"), login("msb_officer")
    receipt = sent.referral.process.task_set.get(flow_task_type="HUMAN", status__in=OPEN)
    assert police.post(task_url(receipt, "assign")).status_code == 302
    pages = [reverse("referrals:detail", args=[sent.referral.pk]), task_url(receipt, "execute"),
             TransferFlow.instance.reverse("process_detail", args=[sent.referral.process.pk])]
    for url in pages:
        response = police.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert sent.referral.case_title in text, url
        assert [note for note in INTERNAL_NOTES.values() if note in text] == [], url
    letter = police.get(reverse("referrals:document_download", args=[sent.letter.pk]))
    letter_text = "\n".join(p.text for p in docx.Document(io.BytesIO(letter.content)).paragraphs)
    assert sent.letter.number in letter_text
    assert [note for note in INTERNAL_NOTES.values() if note in letter_text] == []
    assert INTERNAL_NOTES["decision_opinion"] in officer.get(reverse("cases:detail", args=[sent.case.pk])).content.decode()


def test_police_see_nothing_before_the_head_approves_the_transfer(tell, login):
    """While the package waits for the head's approval, the referral is the bureau's alone."""
    from demo.stories import PENDING_APPROVAL

    case = tell(PENDING_APPROVAL)
    referral = case.referrals.get()
    assert referral.status == ReferralStatus.PENDING_APPROVAL
    police, officer = login("psb_officer"), login("msb_officer")
    detail = reverse("referrals:detail", args=[referral.pk])
    process = TransferFlow.instance.reverse("process_detail", args=[referral.process.pk])
    assert police.get(detail).status_code == 404
    assert police.get(process).status_code == 404
    assert case.title not in police.get(reverse("referrals:index")).content.decode()
    assert officer.get(detail).status_code == 200 and officer.get(process).status_code == 200
