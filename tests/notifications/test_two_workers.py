"""The scale-out recipe of the README, run for real: two daphne workers on one PostgreSQL and one Redis.

Alice signs in on worker A and Bob on worker B (a login POST over HTTP to each worker, sockets from
the `websockets` client with the browser's Origin). A notification committed by a third process (this
test) reaches each of them on the worker they are connected to, and Bob reading it through worker A
updates his unread count on worker B's socket: the channel layer, not the process, carries the push.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection, transaction

from notifications.services import notify
from tests.notifications.conftest import session_cookie
from tests.support import shared_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

websockets_client = pytest.importorskip("websockets.sync.client")

ROOT = Path(__file__).resolve().parents[2]
DAPHNE = Path(sys.executable).parent / "daphne"
START_SECONDS = 30
DELIVERY_SECONDS = 5
QUIET_SECONDS = 0.5
PASSWORD = "Two-workers-9f3k"  # hashed with PBKDF2 below: the workers run with the default hashers


@dataclass
class Worker:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(worker: Worker) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(f"daphne {worker.name} exited with {worker.process.returncode}:\n{worker.output()}")
        try:
            with urllib.request.urlopen(f"{worker.base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    pytest.fail(f"daphne {worker.name} not healthy within {START_SECONDS} s:\n{worker.output()}")


@pytest.fixture
def workers(tmp_path) -> Iterator[dict[str, Worker]]:
    """Two daphne processes on the test database and on this test's Redis key prefix."""
    if connection.vendor != "postgresql" or "redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"].lower():
        pytest.skip(
            "two workers need PostgreSQL + Redis (make test-services); "
            f"this run uses {connection.vendor} and {settings.CHANNEL_LAYERS['default']['BACKEND']}"
        )
    env = {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "LIANBAN_CHANNEL_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],  # isolated_channel_layer's
        "LIANBAN_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    started: dict[str, Worker] = {}
    try:
        for name in ("A", "B"):
            port = free_port()
            log = tmp_path / f"daphne-{name}.log"
            with log.open("wb") as sink:
                process = subprocess.Popen(
                    [str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                    cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT,
                )
            started[name] = Worker(name, port, process, log)
        for worker in started.values():
            wait_healthy(worker)
        yield started
    finally:
        for worker in started.values():
            worker.process.terminate()
        for worker in started.values():
            try:
                worker.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the caller sees the 302/303 itself


class Browser:
    """One user's browser talking to one worker: its cookies, a login POST, form POSTs, a socket."""

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), KeepRedirects())

    def __init__(self, worker: Worker, cookies: dict[str, str] | None = None):
        self.worker = worker
        self.cookies = dict(cookies or {})

    def _open(self, path: str, data: dict[str, str] | None = None) -> int:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
            headers["Origin"] = self.worker.base
        body = None if data is None else urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.worker.base + path, data=body, headers=headers)
        try:
            response = self.opener.open(request, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for morsel in SimpleCookie("\n".join(response.headers.get_all("Set-Cookie") or [])).values():
                self.cookies[morsel.key] = morsel.value
            if response.status not in (200, 302, 303):
                raise AssertionError(f"{path} on worker {self.worker.name}: {response.status} {response.read()[:500]!r}")
            return response.status

    def get(self, path: str) -> int:
        return self._open(path)

    def post(self, path: str, data: dict[str, str]) -> int:
        """POST a form with the CSRF token, as the page would; a redirect is returned, not followed."""
        return self._open(path, data)

    def log_in(self, username: str, password: str) -> None:
        assert self.get("/accounts/login/") == 200 and "csrftoken" in self.cookies
        assert self.post("/accounts/login/", {"username": username, "password": password}) == 302
        assert "sessionid" in self.cookies, f"{username} was not signed in on worker {self.worker.name}"

    def open_socket(self):
        return websockets_client.connect(
            f"ws://127.0.0.1:{self.worker.port}/ws/notifications/",
            origin=self.worker.base,  # the page's own origin: scheme, host and port of this worker
            additional_headers={"Cookie": f"sessionid={self.cookies['sessionid']}"},
            proxy=None, open_timeout=10, compression=None,
        )


def receive(socket, seconds: float = DELIVERY_SECONDS) -> dict:
    return json.loads(socket.recv(timeout=seconds))


def assert_quiet(socket) -> None:
    with pytest.raises(TimeoutError):
        extra = socket.recv(timeout=QUIET_SECONDS)
        pytest.fail(f"unexpected message: {extra}")


def test_a_notification_committed_anywhere_reaches_each_user_on_the_worker_they_are_connected_to(workers):
    users = get_user_model().objects
    hasher = PBKDF2PasswordHasher()  # what the workers check passwords with (the tests' own MD5 is not theirs)
    alice = users.create(username="alice", password=hasher.encode(PASSWORD, hasher.salt()))
    bob = users.create_user(username="bob")
    on_a = Browser(workers["A"])
    on_a.log_in("alice", PASSWORD)  # a real login on worker A
    bob_session = {"sessionid": session_cookie(bob).decode().removeprefix("sessionid=")}  # stored in the shared database
    on_b = Browser(workers["B"], bob_session)

    with on_a.open_socket() as alice_socket, on_b.open_socket() as bob_socket:
        with transaction.atomic():
            alice_row, bob_row = sorted(notify(recipients=[alice, bob], event="case.transferred", title="案件已移送"),
                                        key=lambda row: row.recipient_id)
        committed = time.monotonic()

        bob_message = receive(bob_socket)
        alice_message = receive(alice_socket)
        assert time.monotonic() - committed < DELIVERY_SECONDS
        assert (bob_message["type"], bob_message["notification"]["id"], bob_message["unread"]) == ("notification", bob_row.id, 1)
        assert (alice_message["type"], alice_message["notification"]["id"], alice_message["unread"]) == ("notification", alice_row.id, 1)
        assert_quiet(bob_socket)  # each user gets their own notification only, once
        assert_quiet(alice_socket)

        # Bob, in another tab served by worker A, opens the notification; his tab on worker B sees the count drop.
        bob_on_a = Browser(workers["A"], bob_session)
        assert bob_on_a.get("/notifications/") == 200 and "csrftoken" in bob_on_a.cookies
        assert bob_on_a.post(f"/notifications/{bob_row.id}/read/", {"stay": "1"}) == 303
        assert receive(bob_socket) == {"type": "unread", "unread": 0}
        assert_quiet(alice_socket)
