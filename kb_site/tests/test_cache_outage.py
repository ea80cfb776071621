"""Redis down or unreachable: every read page and API answer, sign-in and sessions work, /healthz says so.

The cache is configured exactly as in production (django-redis with settings.KB_REDIS_CACHE_OPTIONS), pointed at
a port nothing listens on.
"""

import re
import socket
from unittest import mock

from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from rest_framework.throttling import AnonRateThrottle as DRFAnonRateThrottle

from kb_site.test import KBTestCase


def unreachable_redis_url() -> str:
    with socket.socket() as sock:  # a port the OS just handed out and took back: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/9"


def redis_down():
    return override_settings(
        CACHES={
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": unreachable_redis_url(),
                "OPTIONS": settings.KB_REDIS_CACHE_OPTIONS,
            },
        },
        # With Redis configured, coverage caching is on (coverage/cache.py): the outage must not break it.
        KB_COVERAGE_CACHE=True,
    )


# Signed-in or curator endpoints (tested below), and the snapshot diff, which needs two snapshots to compare.
NOT_PUBLIC_LISTS = {"submissions", "retractions", "snapshot-diff"}
PAGES = [
    "/",
    "/faults/",
    "/faults/T.1-1/",
    "/coverage/",
    "/sources/",
    "/snapshots/",
    "/papers/",
    "/papers/alpha/",
    "/evidence/",
    "/interviews/",
    "/challenges/",
    "/search/?q=memory",
    "/accounts/login/",
    "/accounts/signup/",
    "/api/schema/",
]


class RedisDownTests(KBTestCase):
    def test_every_read_api_list_and_the_pages_answer_uncached(self):
        with redis_down():
            root = self.client.get("/api/")
            self.assertEqual(root.status_code, 200)
            lists = sorted(url for name, url in root.json().items() if name not in NOT_PUBLIC_LISTS)
            self.assertGreaterEqual(len(lists), 13)
            for url in [*lists, "/api/faults/T.1-1/", "/api/papers/alpha/", "/api/coverage/"]:
                with self.subTest(url=url):
                    self.assertEqual(self.client.get(url).status_code, 200)
            for path in PAGES:
                with self.subTest(path=path):
                    self.assertEqual(self.client.get(path).status_code, 200)

    def test_the_coverage_figures_are_computed_the_same(self):
        expected = self.client.get("/api/coverage/").json()
        with redis_down():
            self.assertEqual(self.client.get("/api/coverage/").json(), expected)

    def test_sign_in_and_signed_in_pages_work_with_database_sessions(self):
        with redis_down():
            response = self.client.post(reverse("login"), {"username": "researcher", "password": "researcher-pass-123"})
            self.assertEqual(response.status_code, 302)
            profile = self.client.get(reverse("accounts:profile"))
            self.assertContains(profile, "researcher")
            self.assertEqual(self.client.get("/api/submissions/").status_code, 200)
            self.assertEqual(self.client.get("/papers/submissions/").status_code, 200)
            self.client.post(reverse("logout"))
            self.assertEqual(self.client.get(reverse("accounts:profile")).status_code, 302)

    def test_sign_up_works(self):
        with redis_down():
            response = self.client.post(
                reverse("accounts:signup"),
                {
                    "username": "newbie",
                    "email": "newbie@example.org",
                    "password1": "a-long-pass-phrase-42",
                    "password2": "a-long-pass-phrase-42",
                },
            )
            self.assertContains(response, "Check your e-mail")
            link = re.search(r"http://testserver(/accounts/activate/\S+)", mail.outbox[0].body).group(1)
            self.assertRedirects(self.client.get(link), reverse("accounts:profile"))
        self.assertTrue(User.objects.get(username="newbie").is_active)

    def test_healthz_reports_the_cache_error(self):
        with redis_down():
            response = self.client.get(reverse("healthz"))
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"status": "error", "database": "ok", "cache": "error"})

    def test_throttles_and_lockouts_let_requests_through_uncounted(self):
        # The documented degradation (README "Security model"): nothing can be counted, nothing is refused.
        with redis_down(), override_settings(KB_LOGIN_FAILURE_LIMIT=1):
            with mock.patch.dict(DRFAnonRateThrottle.THROTTLE_RATES, {"anon": "1/minute"}):
                statuses = [self.client.get("/api/methods/").status_code for _ in range(3)]
            self.assertEqual(statuses, [200, 200, 200])
            for _ in range(2):
                self.client.post(reverse("login"), {"username": "researcher", "password": "wrong"})
            response = self.client.post(reverse("login"), {"username": "researcher", "password": "researcher-pass-123"})
            self.assertEqual(response.status_code, 302)

    def test_the_cache_recovers_when_redis_is_back(self):
        with redis_down():
            self.assertEqual(self.client.get("/api/methods/").status_code, 200)
        cache.set("kb:back", "yes")
        self.assertEqual(cache.get("kb:back"), "yes")


class OutageFreshnessTests(KBTestCase):
    def test_a_change_made_during_the_outage_shows_at_once(self):
        from papers.tests.factories import make_mapping, make_paper
        from taxonomy.models import ReviewStatus

        with redis_down():
            before = self.client.get("/api/coverage/").json()["leaves"]["addressed"]
            with self.captureOnCommitCallbacks(execute=True):
                make_mapping(make_paper("epsilon"), self.uncovered, status=ReviewStatus.APPROVED)
            after = self.client.get("/api/coverage/").json()["leaves"]["addressed"]
        self.assertEqual((before, after), (1, 2))  # memory-leak, then also the uncovered leaf
