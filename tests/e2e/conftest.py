"""Browser tests: Debian's chromium driven by Playwright for Python against a real uvicorn server on a free
loopback port. Never downloads a browser; skipped cleanly when /usr/bin/chromium (or Playwright) is absent.

Set NELM_E2E_SCREENSHOTS=DIR to keep a screenshot of each step (for looking at the pages)."""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run"]

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@dataclass
class Server:
    url: str
    logins: dict[str, tuple[str, str]]  # role -> (username, password)
    cohort: list[dict]
    app: object


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed")
    pytest.importorskip("playwright.sync_api")
    import uvicorn

    from nelm.services.demo_data import generate_cohort
    from nelm.services.registry import import_records, open_registry
    from nelm.services.web_users import create_user
    from nelm.web.app import create_app
    from nelm.web.settings import WebSettings

    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'registry.sqlite'}"
    cohort = generate_cohort(40, 5)
    registry = open_registry(url)
    logins = {}
    try:
        import_records(registry, cohort, actor="e2e-setup")
        for role in ("clinician", "researcher"):
            password = secrets.token_urlsafe(15)
            create_user(registry, f"e2e-{role}", password, role, actor="e2e-setup")
            logins[role] = (f"e2e-{role}", password)
    finally:
        registry.dispose()
    app = create_app(WebSettings(database_url=url, secret_key=secrets.token_urlsafe(48)))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", logins, cohort, app)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> None:
    folder = os.environ.get("NELM_E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def sign_in(page, server: Server, role: str) -> None:
    username, password = server.logins[role]
    page.goto(server.url + "/")
    assert "/login" in page.url
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")
