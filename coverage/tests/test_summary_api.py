"""``GET /api/coverage/`` through DRF: ETag (a hash of the JSON, once per data version), Cache-Control, 304."""

import json
from unittest import mock

from django.core.cache import cache
from django.test import override_settings
from rest_framework.throttling import AnonRateThrottle

from kb_site.test import KBTestCase
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import ReviewStatus

URL = "/api/coverage/"


@override_settings(KB_COVERAGE_CACHE=True)
class CoverageSummaryHTTPCachingTests(KBTestCase):
    def setUp(self):
        cache.clear()

    def test_same_bytes_as_without_the_cache_with_an_etag_and_cache_control(self):
        with override_settings(KB_COVERAGE_CACHE=False):
            uncached = self.client.get(URL)  # computed afresh, no shared data version: no ETag
        self.assertNotIn("ETag", uncached)
        first = self.client.get(URL)
        self.assertEqual(first.status_code, 200)
        self.assertEqual(first["Content-Type"], "application/json")
        self.assertEqual(first.content, uncached.content)
        self.assertRegex(first["ETag"], r'^"[0-9a-f]{32}"$')
        self.assertEqual(first["Cache-Control"], "public, max-age=30, must-revalidate")
        self.assertIn("Accept", [header.strip() for header in first["Vary"].split(",")])
        # The tiny world: T.1-1 is addressed (alpha, explicit), T-1 unaddressed; T.1's partial mapping is on a
        # category, which never gives a leaf a status.
        leaves = json.loads(first.content)["leaves"]
        self.assertEqual((leaves["total"], leaves["addressed"], leaves["partial"], leaves["unaddressed"]), (2, 1, 0, 1))

    def test_repeats_run_no_query_and_revalidate_with_304(self):
        etag = self.client.get(URL)["ETag"]
        with self.assertNumQueries(0):
            again = self.client.get(URL)
        self.assertEqual(again["ETag"], etag)
        with self.assertNumQueries(0):
            not_modified = self.client.get(URL, headers={"If-None-Match": etag})
        self.assertEqual(not_modified.status_code, 304)
        self.assertEqual(not_modified.content, b"")
        self.assertEqual(not_modified["ETag"], etag)
        self.assertEqual(self.client.get(URL, headers={"If-None-Match": '"stale"'}).status_code, 200)

    def test_an_approval_changes_the_answer_and_its_etag(self):
        with self.captureOnCommitCallbacks(execute=True):
            mapping = make_mapping(make_paper("gamma"), self.uncovered, status=ReviewStatus.PENDING)
        before = self.client.get(URL)
        self.assertEqual(before.json()["leaves"]["addressed"], 1)  # pending never counts

        with self.captureOnCommitCallbacks(execute=True):
            mapping.status = ReviewStatus.APPROVED
            mapping.save()

        after = self.client.get(URL, headers={"If-None-Match": before["ETag"]})
        self.assertEqual(after.status_code, 200)
        self.assertNotEqual(after["ETag"], before["ETag"])
        self.assertEqual(after.json()["leaves"]["addressed"], 2)
        self.assertEqual(after.json()["leaves"]["unaddressed"], 0)

    def test_a_data_change_that_leaves_the_summary_alone_keeps_the_etag(self):
        etag = self.client.get(URL)["ETag"]
        with self.captureOnCommitCallbacks(execute=True):
            make_mapping(make_paper("delta"), self.uncovered, status=ReviewStatus.PENDING)  # bumps the version
        self.assertEqual(self.client.get(URL, headers={"If-None-Match": etag}).status_code, 304)

    def test_other_representations_and_parameters_carry_no_etag(self):
        csv = self.client.get(URL + "?format=csv")
        self.assertEqual(csv.status_code, 200)
        self.assertTrue(csv["Content-Type"].startswith("text/csv"))
        self.assertNotIn("ETag", csv)
        html = self.client.get(URL, headers={"Accept": "text/html"})
        self.assertEqual(html.status_code, 200)
        self.assertTrue(html["Content-Type"].startswith("text/html"))  # the browsable API
        self.assertNotIn("ETag", html)
        bad = self.client.get(URL + "?as_of=yesterday")
        self.assertEqual(bad.status_code, 400)
        self.assertIn("as_of", bad.json())
        self.assertEqual(self.client.post(URL, {}).status_code, 405)
        wrong_token = self.client.get(URL, headers={"Authorization": "Token not-a-real-token"})
        self.assertEqual(wrong_token.status_code, 401)
        self.assertNotIn("ETag", wrong_token)

    def test_throttled_like_any_anonymous_request(self):
        with mock.patch.dict(AnonRateThrottle.THROTTLE_RATES, {"anon": "3/minute"}):
            first = [self.client.get(URL).status_code for _ in range(2)]
            other_endpoint = self.client.get("/api/faults/").status_code  # the same budget
            refused = self.client.get(URL)
            from_elsewhere = self.client.get(URL, REMOTE_ADDR="192.0.2.7").status_code
        self.assertEqual(first + [other_endpoint], [200, 200, 200])
        self.assertEqual(refused.status_code, 429)
        self.assertRegex(refused.json()["detail"], r"^Request was throttled\. Expected available in \d+ seconds?\.$")
        self.assertTrue(0 < int(refused["Retry-After"]) <= 60)
        self.assertEqual(from_elsewhere, 200)
