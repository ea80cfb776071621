"""Anonymous API clients are throttled once (anon rate), signed-in clients by the user rate."""

from unittest import mock

from django.contrib.auth.models import User
from django.core.cache import cache
from rest_framework.test import APITestCase
from rest_framework.throttling import AnonRateThrottle

from kb_site.throttling import SignedInRateThrottle


class ThrottleTests(APITestCase):
    def setUp(self):
        cache.clear()

    def test_anonymous_clients_are_limited_by_the_anon_rate_only(self):
        with (
            mock.patch.dict(AnonRateThrottle.THROTTLE_RATES, {"anon": "3/minute", "user": "1/minute"}),
            mock.patch.object(SignedInRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "1/minute"}),
        ):
            statuses = [self.client.get("/api/faults/").status_code for _ in range(4)]
        self.assertEqual(statuses, [200, 200, 200, 429])

    def test_signed_in_clients_are_limited_by_the_user_rate(self):
        self.client.force_authenticate(User.objects.create_user("reader", password="reader-pass-123"))
        with mock.patch.object(SignedInRateThrottle, "THROTTLE_RATES", {"anon": "100/minute", "user": "2/minute"}):
            statuses = [self.client.get("/api/faults/").status_code for _ in range(3)]
        self.assertEqual(statuses, [200, 200, 429])
