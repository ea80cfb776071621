"""Public pages and API lists answered per data version (coverage.page_cache): validators, 304s, never stale, never
shared with a signed-in user."""

from unittest import mock

from django.core.cache import cache
from django.test import override_settings

from coverage import agreement, snapshots
from kb_site.test import KBTestCase
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import ReviewStatus

PAGES = [
    "/faults/",
    "/faults/?status=unaddressed",
    "/faults/T.1-1/",
    "/papers/?year_min=2020",
    "/evidence/?fault=T.1-1",
    "/evidence/interview-mentions/",
    "/challenges/",
    "/agreement/",
    "/snapshots/",
    "/api/papers/?year_min=2020",
    "/api/mappings/",
    "/api/faults/?ancestor=T",
    "/api/github-artifacts/",
]


@override_settings(KB_COVERAGE_CACHE=True)
class PublicPageCacheTests(KBTestCase):
    def setUp(self):
        cache.clear()

    def test_a_repeated_anonymous_request_runs_no_query_and_gives_the_same_answer(self):
        for url in PAGES:
            with self.subTest(url=url):
                first = self.client.get(url)
                self.assertEqual(first.status_code, 200)
                self.assertRegex(first["ETag"], r'^"[0-9a-f]{32}"$')
                self.assertEqual(first["Cache-Control"], "public, max-age=30, must-revalidate")
                vary = {header.strip() for header in first["Vary"].split(",")}
                self.assertTrue({"Cookie", "Authorization", "Accept"} <= vary, vary)
                with self.assertNumQueries(0):
                    second = self.client.get(url)
                self.assertEqual(second.status_code, 200)
                self.assertEqual(second.content, first.content)
                self.assertEqual(second["Content-Type"], first["Content-Type"])
                self.assertEqual(second["ETag"], first["ETag"])

    def test_a_conditional_request_with_the_current_etag_is_answered_304_without_a_query(self):
        first = self.client.get("/faults/T.1-1/")
        with self.assertNumQueries(0):
            not_modified = self.client.get("/faults/T.1-1/", headers={"If-None-Match": first["ETag"]})
        self.assertEqual(not_modified.status_code, 304)
        self.assertEqual(not_modified.content, b"")
        self.assertEqual(not_modified["ETag"], first["ETag"])
        self.assertEqual(self.client.get("/faults/T.1-1/", headers={"If-None-Match": '"old"'}).status_code, 200)

    def test_a_change_to_the_data_is_seen_at_once(self):
        url = "/papers/?year_min=2020"
        before = self.client.get(url)
        self.assertNotContains(before, "Gamma: brand new")
        with self.captureOnCommitCallbacks(execute=True):
            make_mapping(make_paper("gamma", title="Gamma: brand new"), self.uncovered, status=ReviewStatus.APPROVED)
        after = self.client.get(url, headers={"If-None-Match": before["ETag"]})
        self.assertEqual(after.status_code, 200)
        self.assertContains(after, "Gamma: brand new")
        self.assertNotEqual(after["ETag"], before["ETag"])
        # An edit of a paper's title (no mapping touched) bumps the version too.
        with self.captureOnCommitCallbacks(execute=True):
            self.alpha.title = "Alpha: renamed"
            self.alpha.save()
        self.assertContains(self.client.get("/api/papers/?year_min=2020"), "Alpha: renamed")

    def test_a_new_snapshot_is_listed_at_once(self):
        before = self.client.get("/snapshots/")
        self.assertNotContains(before, "after-review")
        with self.captureOnCommitCallbacks(execute=True):
            snapshots.freeze("after-review")
        self.assertContains(self.client.get("/snapshots/"), "after-review")
        url = "/snapshots/diff/?before=after-review&after=live"
        self.assertEqual(self.client.get(url).status_code, 200)
        with self.assertNumQueries(0):
            self.assertEqual(self.client.get(url).status_code, 200)

    def test_each_url_and_each_negotiated_format_is_stored_apart(self):
        as_json = self.client.get("/api/papers/", headers={"Accept": "application/json"})
        as_html = self.client.get("/api/papers/", headers={"Accept": "text/html"})
        self.assertEqual(as_json["Content-Type"], "application/json")
        self.assertTrue(as_html["Content-Type"].startswith("text/html"))
        # The browsable API renders a CSRF token: never stored, and never given the JSON answer's ETag.
        self.assertNotIn("ETag", as_html)
        self.assertNotEqual(as_json["ETag"], self.client.get("/api/papers/?format=json")["ETag"])
        again = self.client.get("/api/papers/", headers={"Accept": "application/json"})
        self.assertEqual(again.json(), as_json.json())
        self.assertEqual(len(as_json.json()["results"]), 2)
        self.assertEqual(len(self.client.get("/api/papers/?year_min=2022").json()["results"]), 1)

    def test_signed_in_users_always_get_their_own_page(self):
        anonymous = self.client.get("/faults/T.1-1/")
        self.assertNotContains(anonymous, "Sign out")
        self.client.force_login(self.curator)
        signed_in = self.client.get("/faults/T.1-1/", headers={"If-None-Match": anonymous["ETag"]})
        self.assertEqual(signed_in.status_code, 200)
        self.assertContains(signed_in, "Sign out")
        self.assertNotIn("ETag", signed_in)
        self.assertNotIn("public", signed_in.get("Cache-Control", ""))
        self.client.logout()
        self.assertNotContains(self.client.get("/faults/T.1-1/"), "Sign out")

    def test_any_session_means_the_view_answers(self):
        self.client.get("/challenges/")
        self.client.cookies["sessionid"] = "an-anonymous-or-expired-session"
        response = self.client.get("/challenges/")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("ETag", response)

    def test_a_token_is_never_answered_from_the_shared_cache(self):
        self.client.get("/api/mappings/")
        with mock.patch("coverage.page_cache.coverage_cache.get_many") as read:
            response = self.client.get("/api/mappings/", headers={"Authorization": "Token not-a-real-token"})
        read.assert_not_called()
        self.assertEqual(response.status_code, 401)

    def test_errors_are_not_stored(self):
        for url in ("/api/papers/?year_min=not-a-year", "/agreement/?category=NOPE"):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 400)
                second = self.client.get(url)
                self.assertEqual(second.status_code, 400)
                self.assertNotIn("ETag", second)

    def test_pages_not_listed_are_left_alone(self):
        response = self.client.get("/search/?q=memory")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("ETag", response)

    def test_without_the_shared_cache_every_request_runs_its_view(self):
        with mock.patch("coverage.page_cache.coverage_cache.data_version", side_effect=ConnectionError("down")):
            response = self.client.get("/faults/T.1-1/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Memory leak")
        self.assertNotIn("ETag", response)
        with override_settings(KB_COVERAGE_CACHE=False):
            self.client.get("/faults/T.1-1/")
            uncached = self.client.get("/faults/T.1-1/")
        self.assertNotIn("ETag", uncached)


@override_settings(KB_COVERAGE_CACHE=True)
class StoredAgreementTests(KBTestCase):
    """Signed-in readers (curators mostly) get the agreement figures computed once per data version and filters."""

    def setUp(self):
        cache.clear()

    def test_figures_are_computed_once_per_data_version_and_filters(self):
        self.client.force_login(self.curator)
        with mock.patch("coverage.agreement.agreement", wraps=agreement.agreement) as engine:
            for url in ("/agreement/", "/agreement/", "/api/agreement/", "/agreement/?adjudication=pending"):
                self.assertEqual(self.client.get(url).status_code, 200)
            self.assertEqual(engine.call_count, 2)  # unfiltered (page and API alike), then pending
            with self.captureOnCommitCallbacks(execute=True):
                make_mapping(make_paper("gamma"), self.uncovered, status=ReviewStatus.APPROVED)
            self.client.get("/agreement/")
            self.assertEqual(engine.call_count, 3)
