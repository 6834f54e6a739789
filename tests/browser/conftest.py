"""Browser journeys: Debian's chromium (Playwright) against a real daphne serving config.asgi
(HTTP and websockets) on the test database pytest-django created.

The server is a separate process, so it only sees committed rows: journeys run with
`@pytest.mark.django_db(transaction=True)`. The in-memory channel layer lives inside that process,
so an action whose notification must reach a browser has to go through a browser (HTTP to the
server), never through a service called in the pytest process.

One server per test: a fresh process has no stale caches (content-type ids change when the
transactional flush re-creates them) and no sockets left over from the previous journey.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import shared_database_url as server_database_url

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
NO_CHROMIUM = "Debian chromium is not installed (apt-get install chromium); browser journeys skipped"
BASE_DIR = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10
PAGE_TIMEOUT_MS = 15_000
VIEWPORT = {"width": 1400, "height": 900}


def chromium_executable() -> str | None:
    """LIANBAN_CHROMIUM if set (as scripts/ensure-browser.sh; =/nonexistent simulates a machine
    without a browser), else Debian's /usr/bin/chromium, else `chromium` on PATH."""
    override = os.environ.get("LIANBAN_CHROMIUM")
    if override:
        return override if os.access(override, os.X_OK) else None
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log: Path

    def log_tail(self, lines: int = 80) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
                    last = f"HTTP {response.status}"
            except urllib.error.HTTPError as error:  # 503: database or channel layer not ready
                last = f"HTTP {error.code}: {error.read()[:300]!r}"
            except OSError as error:
                last = str(error)
            time.sleep(0.1)
        raise RuntimeError(f"daphne did not become healthy in {START_TIMEOUT_S} s ({last}):\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT_S)


@pytest.fixture
def asgi_server(transactional_db, tmp_path) -> Iterator[LiveServer]:
    """daphne serving config.asgi:application on a free port of 127.0.0.1, on pytest's test database.

    Depends on transactional_db, so it stops before the database is flushed (or dropped).
    """
    from django.conf import settings

    # Not the pytest process's DJANGO_ALLOW_ASYNC_UNSAFE (see `chromium`): the server keeps Django's checks.
    env = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LIANBAN_DEBUG": "1",
        "DATABASE_URL": server_database_url(),
        "LIANBAN_VAR_DIR": str(settings.VAR_DIR),  # same media files as the pytest process
        # With REDIS_URL (passed through), keep this run's groups apart from any other process on that Redis.
        "LIANBAN_CHANNEL_PREFIX": f"lianban-browser-{uuid.uuid4().hex[:12]}",
        "PYTHONUNBUFFERED": "1",
    }
    # Bind here and hand the listening socket to daphne (--fd): no window in which another process takes the port.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    log = tmp_path / "daphne.log"
    try:
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "--fd", str(listener.fileno()), "config.asgi:application"],
                cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                pass_fds=[listener.fileno()],
            )
    finally:
        listener.close()
    server = LiveServer(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()
        print(f"--- daphne log ({log}) ---\n{server.log_tail()}")  # pytest shows it when the test fails


@pytest.fixture(scope="module")
def chromium():
    executable = chromium_executable()
    if executable is None:
        print(NO_CHROMIUM)
        pytest.skip(NO_CHROMIUM)
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API marks its event loop as running in this thread between calls, and Django
    # then refuses ORM calls here (SynchronousOnlyOperation). They are in fact synchronous: allow them
    # while the browser lives (Playwright's documented advice for Django), and only then.
    with pytest.MonkeyPatch.context() as patch, sync_api.sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium, asgi_server) -> Iterator[Callable]:
    """new_page() → a page in a fresh browser context (own cookies, own sessionStorage) on the live server."""
    contexts = []

    def _new_page():
        context = chromium.new_context(
            base_url=asgi_server.url, viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


def server_verifiable_password(user, password: str) -> None:
    """tests/conftest.py hashes with MD5 for speed; the server keeps Django's default hashers, which
    identify a hash by its prefix and do not include MD5. Store a PBKDF2 hash the server can verify."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(password, hasher.salt())
    user.save(update_fields=["password"])


@pytest.fixture
def open_as(new_page, asgi_server, cast) -> Callable:
    """open_as("psb_officer", form=True) → a page signed in as that demo officer.

    form=True types the demo password into the real login form; otherwise the page gets the cookie
    of a session made by Client.force_login (stored in the test database, so the server accepts it).
    """
    from django.conf import settings
    from django.test import Client

    from demo.scenario import DEMO_PASSWORD

    def _open_as(username: str, *, form: bool = False):
        user = cast.user(username)
        page = new_page()
        if form:
            server_verifiable_password(user, DEMO_PASSWORD)
            page.goto("/accounts/login/")
            page.locator("input[name=username]").fill(username)
            page.locator("input[name=password]").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
        else:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": asgi_server.url}])
        return page

    return _open_as
