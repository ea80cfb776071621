"""Fixtures shared by every app's tests: the PostgreSQL guard and the real-Chromium browser."""

import itertools
import os
import shutil
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db import connection

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "test-artifacts"


@pytest.fixture(autouse=True, scope="session")
def _tests_speak_plain_http():
    """The test client and live server speak plain HTTP, so the production HTTPS redirect is off in tests.

    Production settings keep it on (DJANGO_SECURE_SSL_REDIRECT, default true; kb_site/tests/test_security.py
    checks `manage.py check --deploy` in a subprocess with the real environment).
    """
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Tests create many users: a fast hasher first (new hashes), the production ones after (hashes made by a
    ``manage.py`` subprocess still check). No test is about the strength of the hash; production keeps Django's.
    """
    from django.conf import settings
    from django.test.utils import override_settings

    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    ):
        yield


_THROTTLE_DAYS = itertools.count()


@pytest.fixture(autouse=True)
def _throttle_windows_start_with_the_test(monkeypatch):
    """The API, search and classify throttles count over fixed windows (``kb_site.throttling.CounterThrottle``):
    a test whose requests straddled a minute boundary saw its count start again and was not throttled. Here the
    throttles' clock starts each test at the beginning of a day of its own (per xdist worker too, as a shared Redis
    would see both), so every window, minute to day, is fresh when a test begins and lasts longer than any test.
    """
    from kb_site import throttling

    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:])
    start_of_day = 86400 * (20_000 + 1_000_000 * worker + next(_THROTTLE_DAYS))  # days after 1970: in 2024 onwards
    started = time.time()
    monkeypatch.setattr(throttling.CounterThrottle, "timer", lambda self: start_of_day + time.time() - started)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks / full-text search / concurrency); set DATABASE_URL=postgres://...")


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium for the session, driven by Playwright."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the same test are still safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


class BrowserPage:
    """A page that records console errors, every request to a host other than the live server and (on every
    document it loads) the Content-Security-Policy violations, read with ``csp_violations()``."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        host = urlparse(base_url).netloc
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

        def on_request(request):
            parsed = urlparse(request.url)
            if parsed.scheme in ("http", "https", "ws", "wss") and parsed.netloc != host:
                self.foreign_requests.append(request.url)

        page.on("request", on_request)
        page.add_init_script(RECORD_CSP_VIOLATIONS)

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__cspViolations || []")

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def browser_page(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1366, "height": 900})  # a laptop: the header on one row
    page = context.new_page()
    wrapped = BrowserPage(page, live_server.url)
    yield wrapped
    context.close()
