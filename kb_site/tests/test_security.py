"""Production settings, security headers, request size limits and login throttling."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse

BASE_DIR = Path(settings.BASE_DIR)


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The environment of a production start: debug off, a real secret, nothing else set by the test run."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "KB_", "DATABASE_", "REDIS_")) and key != "PYTEST_CURRENT_TEST"
    }
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        DJANGO_ALLOWED_HOSTS="kb.example.org,testserver",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


class TestCheckDeploy:
    def test_check_deploy_is_clean_with_production_settings(self, tmp_path):
        result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip() == "System check identified no issues (0 silenced)."

    def test_check_deploy_reports_a_disabled_https_redirect(self, tmp_path):
        # The same check does fail when production settings are weakened, so the test above can fail.
        env = production_env(tmp_path, DJANGO_SECURE_SSL_REDIRECT="false", DJANGO_SECURE_HSTS_SECONDS="0")
        result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
        assert result.returncode == 1
        assert "security.W004" in result.stderr  # HSTS
        assert "security.W008" in result.stderr  # SSL redirect

    def test_start_without_a_secret_is_refused(self, tmp_path):
        env = production_env(tmp_path)
        del env["DJANGO_SECRET_KEY"]
        result = manage(env, "check")
        assert result.returncode == 1
        assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr

    def test_production_answers_redirect_to_https_and_send_hsts(self, tmp_path):
        script = (
            "import json; from django.test import Client; c = Client();"
            "plain = c.get('/faults/'); health = c.get('/healthz'); tls = c.get('/api/', secure=True);"
            "print(json.dumps({'plain': [plain.status_code, plain.get('Location')],"
            " 'health': health.status_code, 'tls_hsts': tls.get('Strict-Transport-Security'),"
            " 'tls_cookie_flags': [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE]}))"
        )
        script = "from django.conf import settings; " + script
        result = manage(production_env(tmp_path), "shell", "-c", script)
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout.strip().splitlines()[-1])
        assert answer == {
            "plain": [301, "https://testserver/faults/"],
            "health": 200,  # load balancers probe over plain HTTP; the database check passes on SQLite
            "tls_hsts": "max-age=31536000; includeSubDomains; preload",
            "tls_cookie_flags": [True, True],
        }

    def test_hsts_seconds_and_proxy_header_come_from_the_environment(self, tmp_path):
        env = production_env(tmp_path, DJANGO_SECURE_HSTS_SECONDS="600", DJANGO_SECURE_PROXY_SSL_HEADER="true")
        script = (
            "from django.test import Client; r = Client().get('/api/', HTTP_X_FORWARDED_PROTO='https');"
            "print(r.status_code, r['Strict-Transport-Security'])"
        )
        result = manage(env, "shell", "-c", script)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == "200 max-age=600; includeSubDomains; preload"


class SecurityHeaderTests(TestCase):
    def test_pages_send_the_security_headers(self):
        response = self.client.get(reverse("healthz"))
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"

    def test_content_security_policy_allows_scripts_from_our_own_origin_only(self):
        response = self.client.get(reverse("healthz"))
        directives = dict(
            (part.strip().split(" ", 1) + [""])[:2] for part in response["Content-Security-Policy"].split(";")
        )
        assert directives["default-src"] == "'self'"
        # No nonce was asked for on this response, so none is announced; never 'unsafe-inline' or 'unsafe-eval'.
        assert directives["script-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["base-uri"] == "'self'"
        assert directives["form-action"] == "'self'"


#
# Request size limits
#


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024, KB_MAX_UPLOAD_SIZE=4096)
class RequestSizeLimitTests(TestCase):
    def test_oversize_json_to_the_api_is_413_json(self):
        body = json.dumps({"comment": "x" * 2000})
        response = self.client.post(reverse("api:api-root"), body, content_type="application/json")
        assert response.status_code == 413
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "detail": f"The request body is {len(body)} bytes; the limit is 1024 bytes.",
            "code": "request_too_large",
        }

    def test_oversize_form_post_to_a_page_is_413_html(self):
        body = "username=u&password=" + "p" * 2000
        response = self.client.post(reverse("login"), body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 413
        assert response["Content-Type"].startswith("text/html")
        assert b"Request too large" in response.content
        assert b"Traceback" not in response.content

    def test_oversize_upload_is_413_and_smaller_upload_is_not(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        big = SimpleUploadedFile("refs.bib", b"@misc{x, title={y}}\n" * 300)  # 6000 bytes
        assert self.client.post(reverse("login"), {"file": big}).status_code == 413
        small = SimpleUploadedFile("refs.bib", b"@misc{x, title={y}}\n" * 50)  # 1000 bytes of file
        assert self.client.post(reverse("login"), {"file": small}).status_code == 200  # login form re-shown

    def test_oversize_multipart_form_fields_are_413_too(self):
        # Under the upload limit as a whole, but its form fields alone exceed DATA_UPLOAD_MAX_MEMORY_SIZE.
        response = self.client.post(reverse("login"), {"username": "u", "password": "p" * 2000})
        assert response.status_code == 413
        assert b"The form data is larger than the limit of 1024 bytes." in response.content
        self.client.force_login(User.objects.create_user("writer", password="a-long-password-1"))
        response = self.client.post(reverse("api:submission-list"), {"comment": "c" * 2000})
        assert response.status_code == 413
        assert response.json()["code"] == "request_too_large"

    def test_body_at_the_limit_passes(self):
        body = json.dumps({"k": "x" * (1024 - 9)})
        assert len(body) == 1024
        response = self.client.post(reverse("api:api-root"), body, content_type="application/json")
        assert response.status_code == 405  # reached the API view, which does not take POST

    def test_malformed_content_length_is_400(self):
        response = self.client.post(
            reverse("api:api-root"), "{}", content_type="application/json", CONTENT_LENGTH="ten"
        )
        assert response.status_code == 400
        assert response.json()["code"] == "bad_request"

    def test_multipart_body_without_a_boundary_is_400_naming_the_problem(self):
        # Django's parser raises MultiPartParserError; the middleware answers it in the API's own error shape
        # (JSON under /api/, the stand-alone page elsewhere), with the security headers, and no traceback logged.
        url = reverse("api:api-root")
        response = self.client.generic("POST", url, b"x=1", content_type="multipart/form-data")
        assert response.status_code == 400
        assert response.json() == {
            "detail": "The form body cannot be read: Invalid boundary in multipart: None",
            "code": "bad_request",
        }
        assert "Content-Security-Policy" in response
        page = self.client.generic("POST", reverse("login"), b"x=1", content_type="multipart/form-data")
        assert page.status_code == 400
        assert "The form body cannot be read" in page.content.decode()


#
# Login throttling
#


@override_settings(KB_LOGIN_FAILURE_LIMIT=3, KB_LOGIN_LOCKOUT_SECONDS=600)
class LoginThrottleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = User.objects.create_user("ada", "ada@example.org", "correct-horse-battery")
        cls.other = User.objects.create_user("bob", "bob@example.org", "another-good-pass")

    def setUp(self):
        cache.clear()

    def login(self, username, password, address="203.0.113.5", url=None):
        return self.client.post(
            url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
        )

    def test_the_fourth_attempt_after_three_failures_is_429_even_with_the_right_password(self):
        for _ in range(3):
            assert self.login("ada", "wrong").status_code == 200  # form re-shown with an error
        response = self.login("ada", "correct-horse-battery")
        assert response.status_code == 429
        assert response["Retry-After"] == "600"
        assert b"Too many failed login attempts. Try again in 10 minutes." in response.content
        assert "_auth_user_id" not in self.client.session

    def test_lockout_is_per_address_and_username(self):
        for _ in range(3):
            self.login("ada", "wrong")
        assert self.login("ada", "correct-horse-battery", address="198.51.100.7").status_code == 302
        self.client.logout()
        assert self.login("bob", "another-good-pass").status_code == 302

    def test_many_usernames_from_one_address_are_throttled_too(self):
        for number in range(12):  # 4 x the per-username limit, spread so no single username reaches 3
            self.login(f"user{number % 6}", "wrong")
        assert self.login("bob", "another-good-pass").status_code == 429

    def test_a_successful_login_resets_the_count(self):
        for _ in range(2):
            self.login("ada", "wrong")
        assert self.login("ada", "correct-horse-battery").status_code == 302
        self.client.logout()
        for _ in range(2):
            assert self.login("ada", "wrong").status_code == 200
        assert self.login("ada", "correct-horse-battery").status_code == 302

    def test_admin_login_is_throttled(self):
        url = reverse("admin:login")
        for _ in range(3):
            assert self.login("ada", "wrong", url=url).status_code == 200
        assert self.login("ada", "wrong", url=url).status_code == 429

    def test_lockout_ends_when_the_window_expires(self):
        for _ in range(3):
            self.login("ada", "wrong")
        assert self.login("ada", "correct-horse-battery").status_code == 429
        cache.clear()  # what the expiry of the window does
        assert self.login("ada", "correct-horse-battery").status_code == 302

    def test_client_login_without_a_request_is_not_counted(self):
        for _ in range(5):
            assert self.client.login(username="ada", password="wrong") is False
        assert self.login("ada", "correct-horse-battery").status_code == 302


#
# The Content-Security-Policy in a real browser: nothing is refused (the dashboard's charts: test_browser.py).
#


@pytest.fixture
def real_data(transactional_db):
    call_command("loaddata", "taxonomy", "papers", "challenges", verbosity=0)


@pytest.mark.browser
def test_pages_run_without_csp_violations(real_data, browser_page, subtests):
    # One data load and one browser page for every URL (loading the real data costs seconds per test).
    page = browser_page.page
    failed = []
    page.on("response", lambda answer: answer.status >= 400 and failed.append(f"{answer.status} {answer.url}"))
    for url_name in [
        "home",
        "coverage:fault-list",
        "papers:paper-list",
        "login",
        "admin:login",
        "api:api-root",
        "api:docs",
    ]:
        with subtests.test(url_name=url_name):
            failed.clear()
            browser_page.console_errors.clear()
            response = browser_page.goto(reverse(url_name))
            assert response.status == 200
            page.wait_for_load_state("networkidle")
            assert browser_page.csp_violations() == []
            assert failed == []
            # Django's admin templates link no icon, so Chromium asks for /favicon.ico (our base.html sets one).
            errors = [e for e in browser_page.console_errors if not (url_name == "admin:login" and "404" in e)]
            assert errors == []
