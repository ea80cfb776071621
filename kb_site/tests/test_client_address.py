"""One client-address rule (kb_site.client, KB_NUM_PROXIES) for every throttle: API, login lockout, search."""

from unittest import mock

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import RequestFactory, TestCase, override_settings
from django.urls import reverse
from rest_framework.throttling import AnonRateThrottle as DRFAnonRateThrottle

from kb_site.client import client_address

FORGED = "203.0.113.1"
BALANCER = "10.0.0.2"


def proxies(count: int):
    return override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": count})


class ClientAddressRuleTests(TestCase):
    def request(self, forwarded=None, remote="192.0.2.9"):
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)

    def test_by_default_no_header_is_trusted(self):
        self.assertEqual(settings.REST_FRAMEWORK["NUM_PROXIES"], 0)
        self.assertEqual(client_address(self.request(f"{FORGED}, 198.51.100.4")), "192.0.2.9")

    def test_behind_one_proxy_the_address_it_appended_counts(self):
        with proxies(1):
            self.assertEqual(client_address(self.request(f"{FORGED}, 198.51.100.4", remote=BALANCER)), "198.51.100.4")
            self.assertEqual(client_address(self.request("198.51.100.4", remote=BALANCER)), "198.51.100.4")

    def test_behind_two_proxies_the_second_from_the_right(self):
        with proxies(2):
            forwarded = f"{FORGED}, 198.51.100.4, 10.0.0.1"
            self.assertEqual(client_address(self.request(forwarded, remote=BALANCER)), "198.51.100.4")


class ForgedHeaderTests(TestCase):
    def setUp(self):
        cache.clear()

    def test_a_forged_x_forwarded_for_does_not_reset_the_anonymous_api_throttle(self):
        with mock.patch.dict(DRFAnonRateThrottle.THROTTLE_RATES, {"anon": "2/minute"}):
            statuses = [self.client.get("/api/methods/").status_code for _ in range(2)]
            statuses += [
                self.client.get("/api/methods/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)
            ]
        self.assertEqual(statuses, [200, 200, 429, 429, 429])

    def test_behind_a_balancer_each_client_has_its_own_budget(self):
        with proxies(1), mock.patch.dict(DRFAnonRateThrottle.THROTTLE_RATES, {"anon": "1/minute"}):
            first = [self.client.get("/api/methods/", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.4")]
            first.append(self.client.get("/api/methods/", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.4"))
            other = self.client.get("/api/methods/", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.5")
        self.assertEqual([r.status_code for r in first], [200, 429])
        self.assertEqual(other.status_code, 200)


@override_settings(KB_LOGIN_FAILURE_LIMIT=2)
class LoginLockoutAddressTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        User.objects.create_user("ada", "ada@example.org", "correct-horse-battery")

    def setUp(self):
        cache.clear()

    def login(self, password, **extra):
        return self.client.post(reverse("login"), {"username": "ada", "password": password}, **extra)

    def test_behind_a_balancer_one_clients_failures_do_not_lock_out_another(self):
        with proxies(1):
            for _ in range(2):
                self.login("wrong", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.4")
            self.assertEqual(
                self.login("wrong", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.4").status_code, 429
            )
            response = self.login("correct-horse-battery", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.5")
        self.assertEqual(response.status_code, 302)

    def test_without_trusted_proxies_a_forged_header_does_not_escape_the_lockout(self):
        for _ in range(2):
            self.login("wrong", HTTP_X_FORWARDED_FOR=FORGED)
        response = self.login("correct-horse-battery", HTTP_X_FORWARDED_FOR="198.51.100.77")
        self.assertEqual(response.status_code, 429)


@override_settings(
    REST_FRAMEWORK={
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "search": "2/minute"},
    }
)
class SearchThrottleTests(TestCase):
    def setUp(self):
        cache.clear()

    def test_search_is_throttled_per_client_address_and_a_forged_header_does_not_help(self):
        url = reverse("search")
        statuses = [self.client.get(url, {"q": "memory"}).status_code for _ in range(2)]
        refused = self.client.get(url, {"q": "memory"}, HTTP_X_FORWARDED_FOR=FORGED)
        elsewhere = self.client.get(url, {"q": "memory"}, REMOTE_ADDR="198.51.100.8")
        self.assertEqual(statuses, [200, 200])
        self.assertEqual(refused.status_code, 429)
        self.assertEqual(refused["Retry-After"], str(int(refused["Retry-After"])))
        self.assertEqual(elsewhere.status_code, 200)

    def test_an_empty_search_page_is_not_counted(self):
        url = reverse("search")
        statuses = [self.client.get(url).status_code for _ in range(4)]
        self.assertEqual(statuses, [200, 200, 200, 200])
