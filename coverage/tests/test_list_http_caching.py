"""Live coverage answers besides the summary (faults, categories, gap map, per year, layer): ETag from the data
version, Cache-Control, 304 without computing."""

from django.core.cache import cache
from django.test import override_settings

from kb_site.test import KBTestCase
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import ReviewStatus

URLS = [
    "/api/coverage/faults/",
    "/api/coverage/categories/",
    "/api/coverage/faults/?status=unaddressed",
    "/api/coverage/gap-map/",
    "/api/coverage/papers-per-year/",
    "/api/coverage/layer/",
]


@override_settings(KB_COVERAGE_CACHE=True)
class CoverageListHTTPCachingTests(KBTestCase):
    def setUp(self):
        cache.clear()

    def test_etag_and_cache_control_then_304_without_a_query(self):
        for url in URLS:
            with self.subTest(url=url):
                first = self.client.get(url)
                self.assertEqual(first.status_code, 200)
                self.assertRegex(first["ETag"], r'^"[0-9a-f]{32}"$')
                self.assertEqual(first["Cache-Control"], "public, max-age=30, must-revalidate")
                self.assertIn("Accept", [header.strip() for header in first["Vary"].split(",")])
                with self.assertNumQueries(0):
                    not_modified = self.client.get(url, headers={"If-None-Match": first["ETag"]})
                self.assertEqual(not_modified.status_code, 304)
                self.assertEqual(not_modified.content, b"")
                self.assertEqual(self.client.get(url, headers={"If-None-Match": '"stale"'}).status_code, 200)

    def test_each_url_and_format_has_its_own_etag(self):
        etags = {self.client.get(url)["ETag"] for url in URLS}
        etags.add(self.client.get(URLS[0] + "?format=csv")["ETag"])
        self.assertEqual(len(etags), len(URLS) + 1)

    def test_an_approval_changes_the_etag_and_the_answer(self):
        url = "/api/coverage/faults/?status=unaddressed"
        before = self.client.get(url)
        # The tiny world: T-1 is the one unaddressed leaf.
        self.assertEqual([row["code"] for row in before.json()["results"]], ["T-1"])
        with self.captureOnCommitCallbacks(execute=True):
            make_mapping(make_paper("gamma"), self.uncovered, status=ReviewStatus.APPROVED)
        after = self.client.get(url, headers={"If-None-Match": before["ETag"]})
        self.assertEqual(after.status_code, 200)
        self.assertNotEqual(after["ETag"], before["ETag"])
        self.assertEqual(after.json()["results"], [])

    def test_answers_as_of_a_moment_and_without_the_shared_cache_carry_no_etag(self):
        as_of = self.client.get("/api/coverage/faults/?as_of=2020-01-01T00:00:00Z")
        self.assertEqual(as_of.status_code, 200)
        self.assertNotIn("ETag", as_of)
        self.assertNotIn("public", as_of.get("Cache-Control", ""))
        with override_settings(KB_COVERAGE_CACHE=False):
            uncached = self.client.get(URLS[0])
        self.assertEqual(uncached.status_code, 200)
        self.assertNotIn("ETag", uncached)
