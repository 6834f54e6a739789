"""The permission matrix: every URL pattern of the site (pages, downloads, the API, the admin site)
with the ids of every record, opened by every demo role of every agency kind, by the three
administrators and by an anonymous visitor — and the notification socket of each. Not one response
may be a server error, and none may show a secret to someone outside the secret's circle.

A secret is a piece of text that only named people may read (a case title, an ID number, the name
in a confidential discipline referral). Who may read it is written down here, from domain.md's
rules, independently of the code that enforces them; the last test removes one guard and shows
that the matrix catches the leak.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass

import pytest
from django.test import Client

from casework.models import CaseSource, IdentifierType, SubjectKind
from demo.stories import PENDING_DECISION, PSB_DECLINED, PSB_FILED, SENT, LEAD, SUPERVISED
from tests.matrix import UnopenedRoute, concrete_urls, found, readable_text, refusals_unlogged

pytestmark = pytest.mark.django_db(transaction=True)

ZJ_MSB = frozenset({"msb_officer", "msb_officer2", "msb_chief", "msb_head", "msb_leader", "msb_clerk"})
ZJ_PSB = frozenset({"psb_officer", "psb_chief", "psb_head"})
ADMINISTRATORS = ("sysadmin", "secadmin", "auditadmin")
# 江苏省医保局 lists the open cases of the bureaus below it for 挂牌督办 (domain.md §2, MSB-UP): it reads
# their titles on the listing pages, and nothing more of them.
PROVINCE = frozenset({"js_msb_officer", "js_msb_head"})


# The officers who act for 镇江's bureau: a reward, a typical case and a connected system's leads stay with them
# (not its leader nor its clerk, who do not act for it on cases; rewards/, publication/, systems/ permissions).
ZJ_MSB_ACTING = frozenset({"msb_officer", "msb_officer2", "msb_chief", "msb_head"})


@dataclass(frozen=True)
class Secret:
    what: str
    markers: tuple[str, ...]
    readers: frozenset[str]  # usernames who may read it; nobody else
    shown_on: tuple[str, ...] = ("/cases/", "/referrals/")  # where its readers are shown it (the circles check)


def build_world(cast, tell, login, flow_client) -> list[Secret]:
    """Cases in 镇江 at several stages (a handover to confirm, a decline contested up to the procuratorate's
    order to file), a confidential discipline referral answered and closed, a case of 常州, the demo's
    supervision, joint meeting and agreements, and what only the bureau keeps (`bureau_only_records`);
    returns the secrets and who may read each. Whatever route still has no record here is listed, with
    the reason, in tests/matrix.py's UNOPENED."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from agencies.services import agency_set_recorder
    from casework import services as case_services
    from demo.driver import register_case
    from demo.stories import agreements_demo, joint_meeting_demo, supervise_demo_case
    from referral.models import ReferralKind
    from tests.referral.test_clue_referrals import decide, package

    tell(LEAD, title="矩阵测试润康药房线索")
    transferred = tell(SENT, title="矩阵测试长寿堂移送案")
    filed = tell(PSB_FILED, title=SUPERVISED)
    declined = tell(PSB_DECLINED, title="矩阵测试惠民不予立案案").referrals.get()
    supervise_demo_case(cast)
    joint_meeting_demo(cast)
    agreements_demo(cast)

    case = tell(PENDING_DECISION, title="矩阵测试医保中心内外勾结案")
    discipline = decide(case, login, flow_client, "administrative", ["discipline"])[ReferralKind.DISCIPLINE]
    flow_client(login("msb_officer")).complete(discipline.process, "prepare", package(
        cast, discipline, persons_involved="钱矩阵，镇江市医保中心，稽核科科长", recipient=cast.user("disc_officer").pk))
    flow_client(login("msb_head")).complete(discipline.process, "approve", {"approve": "yes", "opinion": "同意。"})
    minute = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    flow_client(login("disc_officer")).complete(discipline.process, "acknowledge", {"received_at": minute, "signer_title": "科员"})
    flow_client(login("disc_officer")).complete(discipline.process, "give_feedback", {
        "feedback": "已对相关人员立案审查。", "document_number": "镇纪函〔2026〕5号"})
    flow_client(login("msb_officer")).complete(discipline.process, "close", {"confirm": "on"})

    # The city police on paper: the bureau's clerk enters their signed 回执 with its scan (代录).
    agency_set_recorder(agency=cast.agencies["zj-psb"], recorded_by=cast.agencies["zj-msb"])
    flow_client(login("msb_clerk")).complete(transferred.referrals.get().process, "sign_receipt", {
        "received_at": minute, "items_received": "6", "signer_title": "民警",
        "paper-reference": "回执", "paper-scan": SimpleUploadedFile("回执.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})

    # The items handed over for the filed case, the police's 交接清单 to confirm (tests/conftest.py's hand_over, half-way).
    from tests.conftest import HANDOVER_ROWS
    flow_client(login("msb_officer")).complete(filed.referrals.get().process, "hand_over", HANDOVER_ROWS)

    # The decline contested (tests/referral/test_objections.py): 复议 upheld, then 立案监督 by the procuratorate,
    # which orders the police to file; their filing waits.
    bureau, police, procuratorate = (flow_client(login(name)) for name in ("msb_officer", "psb_officer", "proc_officer"))
    bureau.complete(declined.process, "respond_to_decline", {"response": "reconsider", "reasons": "涉案金额已达数额较大标准。"})
    police.complete(declined.process, "decide_reconsideration", {
        "decision": "uphold", "decision_number": "镇公复字〔2026〕92号", "reasons": "仍不能证明非法占有目的。"})
    bureau.complete(declined.process, "respond_to_decline", {"response": "supervise", "reasons": "复议维持决定仍有错误。"})
    procuratorate.complete(declined.process, "request_explanation", {"notice_number": "镇检要字〔2026〕95号"})
    police.complete(declined.process, "explain_decline", {"explanation": "当事人已退赔，情节显著轻微。"})
    procuratorate.complete(declined.process, "assess_explanation", {
        "outcome": "filing_ordered", "notice_number": "镇检通立字〔2026〕91号", "opinion": "退赔不影响犯罪成立，理由不成立。"})

    # A big-data screening list imported by the bureau: its hit is on the lead's page and in the feedback workbook.
    from casework.screening import screening_import
    screening_import(user=cast.user("msb_officer"), name="省局下发筛查清单.csv", content=(
        "线索编号,定点医药机构,涉及金额,疑点描述\nJS-MATRIX-0001,矩阵测试康泰医院,1200,矩阵测试疑点：同日门诊与住院\n"
    ).encode("utf-8-sig"))

    other_city = register_case(
        user=cast.user("cz_msb_officer"), title="矩阵测试常州天宁医院案", source=CaseSource.TIP,
        summary="常州线索：住院费用异常。", source_detail="举报", amount_involved="52000.00",
    )
    case_services.subject_add(
        case=other_city, user=cast.user("cz_msb_officer"), kind=SubjectKind.INSURED, name="蒋矩阵",
        identifier_type=IdentifierType.RESIDENT_ID, identifier="320402198001010012", address="常州市",
    )
    bureau_only_records(cast, tell, login, flow_client)
    return [
        Secret("a lead only the bureau knows (and the province, which may list it)", ("矩阵测试润康药房线索",),
               ZJ_MSB | PROVINCE),
        Secret("a case transferred to the city police", ("矩阵测试长寿堂移送案",),
               ZJ_MSB | ZJ_PSB | PROVINCE | {"proc_officer"}),
        Secret("the persons named in a confidential discipline referral", ("钱矩阵",),
               frozenset({"msb_officer", "msb_head", "disc_officer"})),
        Secret("a hit of the bureau's big-data screening list", ("矩阵测试疑点",), ZJ_MSB | PROVINCE),
        Secret("a case the city police declined to file, under the procuratorate's 立案监督", ("矩阵测试惠民不予立案案",),
               ZJ_MSB | ZJ_PSB | PROVINCE | {"proc_officer"}),
        Secret("another city's case", ("矩阵测试常州天宁医院案",), PROVINCE | {"cz_msb_officer"}),
        Secret("an insured person's ID number in another city's case", ("320402198001010012",),
               frozenset({"cz_msb_officer"})),
        Secret("the assessor's reasons for a tip-off's reward", ("矩阵测试奖励核定理由",), ZJ_MSB_ACTING, ("/rewards/",)),
        Secret("a typical case's draft text, not yet approved", ("矩阵测试典型案例正文",), ZJ_MSB_ACTING, ("/publication/",)),
        # The case's timeline says a draft was proposed, not its headline (publication.services): the bureau's
        # leader and clerk, whom the publication page refuses, do not read it there either.
        Secret("a typical case's draft headline", ("矩阵测试典型案例稿",), ZJ_MSB_ACTING, ("/publication/",)),
        Secret("a fined person's whole ID number, in the 信用 export", ("321102199203040059",), ZJ_MSB, ("/credit/",)),
        Secret("a lead a connected system pushed to the bureau", ("矩阵测试接入线索内容",), ZJ_MSB_ACTING, ("/systems/",)),
        Secret("the facts of a reverse transfer the city police sent the bureau", ("矩阵测试反移送事实",),
               ZJ_MSB | ZJ_PSB),
    ]


def bureau_only_records(cast, tell, login, flow_client) -> None:
    """What only 镇江's bureau keeps, made as the apps' own tests make it: a closed tip-off case with its
    refund paid, its reward assessed and a typical-case draft; a connected system's pending lead; a clock
    breached and escalated (one handled, one waiting for the head); a reverse transfer from the police,
    signed for, answered, and the answer signed for; a failed login (the admin's lockout records)."""
    from datetime import timedelta
    from decimal import Decimal

    from django.core.management import call_command
    from django.urls import reverse
    from django.utils import timezone

    from casework.clocks import clock_start
    from casework import services as case_services
    from casework.models import Case, ClockUnit, PaymentKind, PenaltyKind
    from casework.penalties import penalty_record
    from casework.payments import payment_record
    from demo.stories import CLOSED, reward_policies_demo
    from publication.services import publication_propose
    from referral.models import Referral
    from rewards.services import reward_assess
    from systems.models import ConnectedSystem
    from systems.services import lead_submit
    from tests.conftest import item_rows

    officer = cast.user("msb_officer")
    closed = tell(CLOSED, title="矩阵测试同心药房结案")  # a tip-off, ordered to refund and fined
    reward_policies_demo()
    payment_record(user=officer, decision=closed.penalties.get(), kind=PaymentKind.REFUND,
                   amount=closed.penalties.get().refund_amount, paid_on=timezone.localdate(), receipt_number="YH-MATRIX-1")
    reward_assess(user=officer, case=closed, eligible=True, assessment="矩阵测试奖励核定理由：线索具体，查证属实。")
    # A person fined too (tests/credit): the 信用 export carries their ID number whole (the list masks it).
    person = case_services.subject_add(
        case=closed, user=officer, kind=SubjectKind.INSURED, name="矩阵信用某", identifier_type=IdentifierType.RESIDENT_ID,
        identifier="321102199203040059", address="镇江市")
    penalty_record(case=closed, user=officer, subject=person, document_number=f"镇医保罚〔{timezone.localdate().year}〕90号",
                   decided_on=timezone.localdate(), kinds=[PenaltyKind.FINE], fine_amount=Decimal("500.00"))
    publication_propose(user=officer, case=closed, headline="矩阵测试典型案例稿：某药房超量开药案",
                        text="矩阵测试典型案例正文：经查，某药房超量开药，骗取医保基金。")

    system = ConnectedSystem(name="矩阵测试12393热线系统", agency=cast.agencies["zj-msb"])
    system.token_set()
    system.save()
    lead_submit(system=system, key="MATRIX-0001", payload={
        "title": "镇江市某诊所涉嫌虚开处方", "source": "tip", "source_detail": "12393工单", "summary": "矩阵测试接入线索内容：来电人反映。",
        "violation_types": [], "amount_involved": "800.00", "reporter_real_name": False, "reporter_name": "", "reporter_contact": "",
    })

    lead = Case.objects.get(title="矩阵测试润康药房线索")
    for code in ("matrix.handled", "matrix.waiting"):
        clock_start(case=lead, target=lead, code=code, title="矩阵测试期限", legal_basis="《测试规定》第一条", agency=lead.agency,
                    amount=3, unit=ClockUnit.CALENDAR_DAYS, start_event="测试事件", url=reverse("cases:detail", args=[lead.pk]),
                    started_at=timezone.now() - timedelta(days=10), responsible=officer)
    call_command("run_clocks", "--once")
    handled = lead.deadlines.get(code="matrix.handled").escalation
    flow_client(login("msb_head")).complete(handled, "handle", {"measures": "约谈承办人，责令当日办结。"})

    assert login("psb_officer").post(reverse("referrals:incoming_send"), {
        "kind": "reverse_transfer", "to_agency": cast.agencies["zj-msb"].pk, "incoming_number": "镇公（经）反移字〔2026〕99号",
        "incoming_issued_on": timezone.localdate().isoformat(), "case_title": "某某冒用他人医保卡就医案",
        "persons_involved": "某某", "facts": "矩阵测试反移送事实：冒用其母医保卡就医12次。", "amount": "2400.00",
        "request": "依法移送你局处理。", "contact_name": "刘强", "contact_phone": "0511-84440001", **item_rows(total=1),
    }).status_code == 302
    incoming = Referral.objects.get(incoming_number="镇公（经）反移字〔2026〕99号")
    minute = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    flow_client(login("msb_officer")).complete(incoming.process, "acknowledge", {"received_at": minute, "signer_title": "科员"})
    flow_client(login("msb_officer")).complete(incoming.process, "reply", {"reply": "已立案查处。", "measures": "责令退回"})
    flow_client(login("psb_officer")).complete(incoming.process, "receive_reply", {"confirm": "on"})
    # An unknown name: a known one's attempts are reset when the viewpoints log in (AXES_RESET_ON_SUCCESS).
    Client().post("/accounts/login/", {"username": "matrix-no-such-user", "password": "not-the-password"})


def viewpoints(cast) -> dict[str, Client]:
    """One logged-in client per demo officer (every role of every agency kind), per administrator, and anonymous."""
    from demo.scenario import system_admin_ensure

    system_admin_ensure()
    from django.contrib.auth import get_user_model

    clients = {"anonymous": Client()}
    users = {officer.user.username: officer.user for officer in cast.officers.values()}
    users |= {user.username: user for user in get_user_model().objects.filter(username__in=ADMINISTRATORS)}
    for username, user in users.items():
        clients[username] = Client()
        clients[username].force_login(user)
    return clients


def browse(clients: dict[str, Client], urls: list[str], secrets: list[Secret], *, rowless: frozenset[str] = frozenset(),
           shown: dict[tuple[str, str], list[str]] | None = None) -> tuple[list[str], list[str]]:
    """Open every URL as everyone: (server errors, leaks), each a readable line. A `rowless` page (opened for
    some rows only, tests/matrix.py) answering 200 is an error too. `shown`, if given, collects where each
    user was shown each marker of their own circles: (username, marker) → URLs."""
    errors, leaks = [], []
    markers = [marker for secret in secrets for marker in secret.markers]
    with refusals_unlogged():
        for username, client in clients.items():
            hidden = {marker for secret in secrets if username not in secret.readers for marker in secret.markers}
            for url in urls:
                response = client.get(url)
                if response.status_code >= 500:
                    errors.append(f"{username} GET {url} → {response.status_code}")
                    continue
                if response.status_code == 200 and url in rowless:
                    errors.append(f"{username} GET {url} → 200, but the matrix opens it for some rows only (tests/matrix.py)")
                content = b"".join(response.streaming_content) if response.streaming else response.content
                for marker in found(readable_text(content, response.get("Content-Type", "")), markers):
                    if marker in hidden:
                        leaks.append(f"{username} GET {url} → {response.status_code} shows 「{marker}」")
                    elif shown is not None:
                        shown.setdefault((username, marker), []).append(url)
    return errors, leaks


def socket_leaks(clients: dict[str, Client], secrets: list[Secret]) -> list[str]:
    """Each user's notification socket, replaying everything (since=0): only that user's own notifications."""
    from config.asgi import application
    from tests.notifications.conftest import SocketCommunicator  # closes each database trip's connection, as in production

    async def replay(cookie: str) -> list[str]:
        socket = SocketCommunicator(application, "/ws/notifications/?since=0", headers=[
            (b"host", b"testserver"), (b"origin", b"http://testserver"), (b"cookie", cookie.encode())])
        connected, _ = await socket.connect()
        texts = []
        if connected:
            while not await socket.receive_nothing(timeout=0.3):
                texts.append(await socket.receive_from())
        await socket.disconnect()
        return texts

    leaks = []
    for username, client in clients.items():
        cookie = f"sessionid={client.cookies['sessionid'].value}" if "sessionid" in client.cookies else ""
        hidden = [marker for secret in secrets if username not in secret.readers for marker in secret.markers]
        for text in asyncio.run(replay(cookie)):
            leaks += [f"{username} /ws/notifications/ shows 「{marker}」" for marker in found(text, hidden)]
    return leaks


def report(lines: list[str], limit: int = 40) -> str:
    by_user = defaultdict(int)
    for line in lines:
        by_user[line.split(" ", 1)[0]] += 1
    return f"{len(lines)} ({dict(by_user)}):\n" + "\n".join(lines[:limit])


def test_no_page_api_or_socket_shows_a_secret_outside_its_circle_and_none_fails(cast, tell, login, flow_client):
    secrets = build_world(cast, tell, login, flow_client)
    clients = viewpoints(cast)
    rowless: set[str] = set()
    urls = concrete_urls(rowless=rowless)
    assert len(urls) > 500  # every pattern, with real ids: a collapsed enumeration would prove nothing
    shown: dict[tuple[str, str], list[str]] = {}
    errors, leaks = browse(clients, urls, secrets, rowless=frozenset(rowless), shown=shown)
    leaks += socket_leaks(clients, secrets)
    assert not errors, "server errors " + report(errors)
    assert not leaks, "leaks " + report(leaks)
    # The circles are real: each secret is shown to its readers somewhere (the markers are not dead text),
    # read from the pass above rather than browsed again.
    for secret in secrets:
        reader = sorted(secret.readers - PROVINCE)[0]  # the province reads titles on the listing pages only
        seen = [url for marker in secret.markers for url in shown.get((reader, marker), [])
                if url.startswith(secret.shown_on)]
        assert seen, f"{secret.what}: not shown even to {reader}"


def test_a_route_without_records_is_named_not_dropped(db):
    """Without the world no case exists: the case pages are not left out quietly, they fail the enumeration."""
    with pytest.raises(UnopenedRoute, match=r"cases/<int:case_id>/evidence/"):
        concrete_urls(only=lambda pattern: pattern.startswith("cases/<int:case_id>/"))


def test_the_matrix_catches_a_removed_guard(cast, tell, login, flow_client, monkeypatch):
    """Take away the case page's permission check: the matrix must report the other city's officer reading 镇江's case."""
    from casework import permissions

    secrets = build_world(cast, tell, login, flow_client)
    clients = {name: client for name, client in viewpoints(cast).items() if name in ("cz_msb_officer", "health_officer")}
    monkeypatch.setattr(permissions, "can_view_case", lambda user, case: user.is_authenticated)
    urls = concrete_urls(only=lambda pattern: pattern.startswith("cases/"))
    _, leaks = browse(clients, urls, secrets)
    assert any(line.startswith("cz_msb_officer GET /cases/") and "矩阵测试润康药房线索" in line for line in leaks), report(leaks)


# Those who may change nothing of 镇江's: another city's officers, a visitor and the three administrators
# outside the admin site (their own work there is checked in tests/agencies/test_separation_of_duties.py).
OUTSIDERS = ("cz_msb_officer", "cz_psb_officer", "anonymous", *ADMINISTRATORS)


def state() -> tuple:
    """What any change leaves a trace in: the audit trail (every state change is audited), the
    notifications, and the tasks' statuses and owners (claiming a task is a change too) — others' only:
    the 常州 officer may well hand back the task of the case he registered himself."""
    from django.db.models import Count, Max, Q
    from viewflow.workflow.models import Task

    from agencies.models import AuditEvent
    from notifications.models import Notification

    own_tasks = Task.objects.filter(process__caseprocess__case__title="矩阵测试常州天宁医院案").values_list("pk", flat=True)
    return (
        # handing back his own task is audited (task.returned): that event is his business too
        AuditEvent.objects.exclude(target_type="viewflow.task", target_id__in=[str(pk) for pk in own_tasks])
        .aggregate(Max("id"))["id__max"],
        # others' notifications: an outsider marking their own as read is their business
        Notification.objects.exclude(recipient__username__in=OUTSIDERS).aggregate(
            n=Count("id"), unread=Count("id", filter=Q(read_at__isnull=True))),
        tuple(Task.objects.exclude(process__caseprocess__case__title="矩阵测试常州天宁医院案")
              .values_list("status").annotate(n=Count("id"), owned=Count("owner")).order_by("status")),
    )


def test_an_outsiders_post_to_any_url_changes_nothing_and_never_fails(cast, tell, login, flow_client):
    """An empty POST is what a claim, an unassign, a 'mark read' or a confirmation button sends: from
    someone outside the records' circles it must be refused (or be a harmless form error), never a 5xx."""
    build_world(cast, tell, login, flow_client)
    clients = {name: client for name, client in viewpoints(cast).items() if name in OUTSIDERS}
    urls = concrete_urls()
    errors, changes = [], []
    before = state()
    with refusals_unlogged():
        for username, client in clients.items():
            for url in urls:
                if username in ADMINISTRATORS and url.startswith("/admin/"):
                    continue
                response = client.post(url)
                if response.status_code >= 500:
                    errors.append(f"{username} POST {url} → {response.status_code}")
                after = state()
                if after != before:
                    changes.append(f"{username} POST {url} → {response.status_code} changed {before} to {after}")
                    before = after
    assert not errors, "server errors " + report(errors)
    assert not changes, "changes " + report(changes)


def test_the_post_pass_catches_a_removed_guard(cast, tell, login, flow_client, monkeypatch):
    """Let anyone claim any task: the outsiders' POST pass must report the 常州 officer claiming 镇江's.
    Claiming is guarded twice — the flow's process visibility (404) and the object permission the
    task asks of its owner (403, through guardian's backend) — so both come off here; either alone
    stops the claim."""
    from guardian.backends import ObjectPermissionBackend

    from casework.workflow import ScopedFlowMixin

    build_world(cast, tell, login, flow_client)
    client = viewpoints(cast)["cz_msb_officer"]
    flows, pending = [], [ScopedFlowMixin]
    while pending:
        pending += (subclasses := pending.pop().__subclasses__())
        flows += subclasses
    for flow_class in flows:
        monkeypatch.setattr(flow_class, "visible_processes",
                            lambda self, user: self.process_class.objects.all(), raising=False)
    monkeypatch.setattr(ObjectPermissionBackend, "has_perm",
                        lambda self, user, perm, obj=None: user.is_active and obj is not None)
    before = state()
    claimed = [url for url in concrete_urls(only=lambda pattern: pattern.endswith("/assign/"))
               if client.post(url).status_code < 400 and state() != before]
    assert claimed, "claiming another city's task went unnoticed"
