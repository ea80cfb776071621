"""Database and cache failures: /healthz, clean 503s instead of tracebacks, and recovery without a restart."""

import socket
from contextlib import contextmanager
from unittest import mock

import psycopg
import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from kb_site.test import KBTestCase

DOWN_MESSAGE = b"The database is temporarily unavailable. Please try again in a moment."


def refuse_queries(execute, sql, params, many, context):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@contextmanager
def database_down():
    """Every query on the default connection fails as it would with the server stopped."""
    with connection.execute_wrapper(refuse_queries):
        yield


# Pages and API lists that read the database on every request (the home page and the coverage dashboard may be
# cached by design, so they are not in this list; /healthz is tested on its own).
DATABASE_PAGES = [
    ("coverage:fault-list", {}),
    ("coverage:fault-detail", {"code": "T.1-1"}),
    ("papers:paper-list", {}),
    ("papers:paper-detail", {"key": "alpha"}),
    ("challenges:challenge-list", {}),
]
DATABASE_API = [
    ("api:fault-list", {}),
    ("api:fault-detail", {"code": "T.1-1"}),
    ("api:source-list", {}),
]


class HealthzTests(TestCase):
    def test_healthy(self):
        response = self.client.get(reverse("healthz"))
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
        assert "no-cache" in response["Cache-Control"]

    def test_database_down(self):
        with database_down():
            response = self.client.get(reverse("healthz"))
        assert response.status_code == 503
        assert response.json() == {"status": "error", "database": "error", "cache": "ok"}
        # ... and it recovers by itself.
        assert self.client.get(reverse("healthz")).json() == {"status": "ok", "database": "ok", "cache": "ok"}

    def test_cache_down(self):
        with mock.patch.object(cache, "set", side_effect=ConnectionError("Error 111 connecting to 127.0.0.1:6379")):
            response = self.client.get(reverse("healthz"))
        assert response.status_code == 503
        assert response.json() == {"status": "error", "database": "ok", "cache": "error"}

    def test_error_details_stay_in_the_log(self):
        with self.assertLogs("kb_site.health", "ERROR") as logs, database_down():
            response = self.client.get(reverse("healthz"))
        assert b"refused" not in response.content
        assert "Connection refused" in logs.output[0]


class DatabaseOutageTests(KBTestCase):
    def assert_clean_page_503(self, response):
        assert response.status_code == 503
        assert response["Content-Type"].startswith("text/html")
        assert response["Retry-After"] == "30"
        assert DOWN_MESSAGE in response.content
        assert b"Traceback" not in response.content
        assert b"OperationalError" not in response.content

    def test_pages_answer_503_and_recover(self):
        for name, kwargs in DATABASE_PAGES:
            url = reverse(name, kwargs=kwargs)
            with self.subTest(url=url):
                with database_down():
                    self.assert_clean_page_503(self.client.get(url))
                assert self.client.get(url).status_code == 200

    def test_api_answers_503_json_and_recovers(self):
        for name, kwargs in DATABASE_API:
            url = reverse(name, kwargs=kwargs)
            with self.subTest(url=url):
                with database_down():
                    response = self.client.get(url)
                assert response.status_code == 503
                assert response["Retry-After"] == "30"
                assert response.json() == {
                    "detail": "The database is temporarily unavailable. Please try again in a moment.",
                    "code": "database_unavailable",
                }
                assert self.client.get(url).status_code == 200

    def test_logged_in_pages_answer_503(self):
        # The session and user are read from the database too (lazily, inside the view).
        self.client.force_login(self.researcher)
        with database_down():
            self.assert_clean_page_503(self.client.get(reverse("papers:paper-list")))

    def test_outage_is_logged_without_traceback_in_the_answer(self):
        with self.assertLogs("kb_site.middleware", "ERROR") as logs, database_down():
            self.client.get(reverse("coverage:fault-list"))
        assert "Database unavailable while serving GET /faults/" in logs.output[0]


class ExplodingMiddleware:
    """Raises a database error outside any view, as a failing session save would."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError("server closed the connection unexpectedly")


class ErrorsOutsideViewsTests(TestCase):
    def setUp(self):
        from django.conf import settings

        self.middleware = [*settings.MIDDLEWARE, "kb_site.tests.test_health.ExplodingMiddleware"]

    def test_database_error_outside_a_view_is_503(self):
        client = Client(raise_request_exception=False)
        with override_settings(MIDDLEWARE=self.middleware):
            page = client.get(reverse("coverage:fault-list"))
            api = client.get(reverse("api:fault-list"))
        assert page.status_code == 503
        assert DOWN_MESSAGE in page.content
        assert b"Traceback" not in page.content
        assert api.status_code == 503
        assert api.json()["code"] == "database_unavailable"

    def test_other_errors_stay_500(self):
        client = Client(raise_request_exception=False)
        with (
            mock.patch.object(ExplodingMiddleware, "__call__", side_effect=RuntimeError("bug")),
            override_settings(MIDDLEWARE=self.middleware),
        ):
            api = client.get(reverse("api:fault-list"))
        assert api.status_code == 500
        assert api.json() == {"detail": "Server error.", "code": "server_error"}


#
# Real outages on PostgreSQL: the server unreachable, and a persistent connection killed under the app.
#


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_unreachable_postgresql_gives_503_then_recovers(postgres_only, client):
    urls = [reverse("coverage:fault-list"), reverse("papers:paper-list"), reverse("api:fault-list")]
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]

    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port()
    try:
        answers = [client.get(url) for url in [*urls, reverse("healthz")]]
        assert [answer.status_code for answer in answers] == [503, 503, 503, 503]
        assert DOWN_MESSAGE in answers[0].content
        assert answers[2].json()["code"] == "database_unavailable"
        assert answers[3].json() == {"status": "error", "database": "error", "cache": "ok"}
    finally:
        connection.settings_dict["PORT"] = real_port
    # The server is back: the very next requests succeed, no restart.
    assert [client.get(url).status_code for url in [*urls, reverse("healthz")]] == [200, 200, 200, 200]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_persistent_connection_killed_by_the_server_is_replaced(postgres_only, client):
    url = reverse("api:fault-list")
    assert client.get(url).status_code == 200
    backend_pid = connection.connection.info.backend_pid
    params = {key: connection.settings_dict[key] for key in ("HOST", "PORT", "USER")}
    with psycopg.connect(dbname="postgres", autocommit=True, **{k.lower(): v for k, v in params.items() if v}) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
    # The request that finds the connection dead gets a clean 503 and the broken connection is thrown away ...
    response = client.get(url)
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
    assert connection.connection is None
    # ... so the next one opens a fresh connection and succeeds.
    assert client.get(url).status_code == 200
    assert connection.connection.info.backend_pid != backend_pid
