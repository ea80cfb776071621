"""The coverage cache: keyed on a data version that every change bumps after commit, so it is never stale."""

import socket
from unittest import mock
from urllib.parse import urlparse

from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils.html import escape

from challenges.tests.factories import make_artifact
from coverage import cache as coverage_cache
from coverage import charts, coverage, summaries
from kb_site.test import KBTestCase
from papers.models import Submission
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import ReviewStatus
from taxonomy.tests.test_views import json_scripts

REDIS_TEST_URL = "redis://127.0.0.1:6379/3"


def _redis_up() -> bool:
    url = urlparse(REDIS_TEST_URL)
    try:
        with socket.create_connection((url.hostname, url.port), timeout=0.5):
            return True
    except OSError:
        return False


@override_settings(KB_COVERAGE_CACHE=True)
class CoverageCacheTests(KBTestCase):
    def setUp(self):
        cache.clear()

    def _queries(self, fn) -> tuple[int, object]:
        with CaptureQueriesContext(connection) as ctx:
            value = fn()
        return len(ctx.captured_queries), value

    def test_second_read_runs_no_query(self):
        first, data = self._queries(coverage.compute)
        self.assertGreater(self._queries(lambda: summaries.coverage_summary(data))[0], 0)
        second, again = self._queries(coverage.compute)
        self.assertGreater(first, 0)
        self.assertEqual(second, 0)
        self.assertEqual(self._queries(lambda: summaries.coverage_summary(again))[0], 0)
        self.assertEqual([r.status for r in again.rows], [r.status for r in data.rows])

    def test_read_after_an_approval_is_fresh(self):
        with self.captureOnCommitCallbacks(execute=True):  # each write below is its own committed transaction
            mapping = make_mapping(make_paper("gamma"), self.uncovered, status=ReviewStatus.PENDING)
        self.assertEqual(coverage.compute().row("T-1").status, coverage.Status.UNADDRESSED)
        before = summaries.coverage_summary(coverage.compute()).leaves.addressed

        with self.captureOnCommitCallbacks(execute=True):
            mapping.status = ReviewStatus.APPROVED
            mapping.save()

        data = coverage.compute()
        self.assertEqual(data.row("T-1").status, coverage.Status.ADDRESSED)
        self.assertEqual(summaries.coverage_summary(data).leaves.addressed, before + 1)
        self.assertIn("gamma", {fact.paper for fact in data.facts})

    def test_read_after_a_curator_approves_a_submission_is_fresh(self):
        from papers import review

        with self.captureOnCommitCallbacks(execute=True):
            paper = make_paper("delta")
            submission = Submission.objects.create(submitter=self.researcher, paper=paper)
            make_mapping(paper, self.uncovered, status=ReviewStatus.PENDING, submission=submission)
        self.assertEqual(coverage.compute().row("T-1").status, coverage.Status.UNADDRESSED)

        with self.captureOnCommitCallbacks(execute=True):
            review.approve(submission, self.curator)

        self.assertEqual(coverage.compute().row("T-1").status, coverage.Status.ADDRESSED)

    def test_the_version_changes_only_when_the_transaction_commits(self):
        version = coverage_cache.data_version()
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            self.alpha_leak.status = ReviewStatus.RETRACTED
            self.alpha_leak.save()
            self.alpha_leak.save()
        self.assertEqual(coverage_cache.data_version(), version, "bumped before commit")
        self.assertEqual(len(callbacks), 2, "one bump per saved row, run at commit")
        callbacks[0]()
        bumped = coverage_cache.data_version()
        self.assertNotEqual(bumped, version)
        callbacks[1]()
        self.assertNotEqual(coverage_cache.data_version(), bumped, "a fresh token every time, never reused")

    def test_a_rolled_back_change_does_not_bump(self):
        version = coverage_cache.data_version()
        with self.captureOnCommitCallbacks(execute=True):
            try:
                with transaction.atomic():
                    self.alpha_leak.delete()
                    raise RuntimeError("roll back")
            except RuntimeError:
                pass
        self.assertEqual(coverage_cache.data_version(), version)

    def test_evidence_and_fixture_loads_bump(self):
        coverage.compute()
        with self.captureOnCommitCallbacks(execute=True):
            make_artifact(self.uncovered, url="https://github.com/o/r/issues/99")
        self.assertEqual(coverage.compute().row("T-1").evidence.github, 2)

        version = coverage_cache.data_version()
        with self.captureOnCommitCallbacks(execute=True):
            call_command("loaddata", "taxonomy", verbosity=0)
        self.assertNotEqual(coverage_cache.data_version(), version)
        self.assertIn("H-1", coverage.compute().tree.by_code)

    def test_a_bump_by_another_process_is_seen(self):
        coverage.compute()  # now cached under the current version
        cache.set(f"{coverage_cache._namespace()}:data-version", "set-by-another-worker", timeout=None)
        queries, _ = self._queries(coverage.compute)
        self.assertGreater(queries, 0)

    def test_as_of_snapshot_and_use_cache_false_always_compute(self):
        coverage.compute()
        for call in (
            lambda: coverage.compute(use_cache=False),
            lambda: coverage.compute(as_of=self.alpha_leak.approved_at),
        ):
            self.assertGreater(self._queries(call)[0], 0)


class CacheSwitchTests(KBTestCase):
    def test_process_local_cache_is_not_used_by_default(self):
        # Another process (a command, another worker) could not invalidate it; see coverage/cache.py.
        self.assertFalse(coverage_cache.enabled())
        with CaptureQueriesContext(connection) as ctx:
            coverage.compute()
            coverage.compute()
        self.assertEqual(len(ctx.captured_queries) % 2, 0)
        self.assertGreater(len(ctx.captured_queries), 0)

    @override_settings(KB_COVERAGE_CACHE=False)
    def test_setting_turns_it_off(self):
        self.assertFalse(coverage_cache.enabled())


@override_settings(CACHES={"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_TEST_URL}})
class RedisCoverageCacheTests(KBTestCase):
    """The production configuration: the cache shared by every worker (skipped when Redis is not running)."""

    def setUp(self):
        if not _redis_up():
            self.skipTest(f"needs Redis at {REDIS_TEST_URL}")
        caches["default"].delete(f"{coverage_cache._namespace()}:data-version")

    def test_redis_is_shared_so_caching_is_on_and_fresh_after_approval(self):
        self.assertTrue(coverage_cache.enabled())
        with self.captureOnCommitCallbacks(execute=True):
            mapping = make_mapping(make_paper("epsilon"), self.uncovered, status=ReviewStatus.PENDING)
        self.assertEqual(coverage.compute().row("T-1").status, coverage.Status.UNADDRESSED)
        with CaptureQueriesContext(connection) as ctx:
            self.assertEqual(coverage.compute().row("T-1").status, coverage.Status.UNADDRESSED)
        self.assertEqual(len(ctx.captured_queries), 0)

        with self.captureOnCommitCallbacks(execute=True):
            mapping.status = ReviewStatus.APPROVED
            mapping.save()
        self.assertEqual(coverage.compute().row("T-1").status, coverage.Status.ADDRESSED)


@override_settings(KB_COVERAGE_CACHE=True)
class CachedPagesTests(KBTestCase):
    """Pages and API answers built from the cache are the ones built without it, and fresh after a change."""

    def setUp(self):
        caches["default"].clear()

    @override_settings(KB_PAGE_CACHE_VIEWS=frozenset())  # the view and its fragment, not the stored page
    def test_the_explorer_tree_fragment_is_used_whatever_else_the_query_string_holds(self):
        first = self.client.get("/faults/")  # fills the coverage pieces and the tree fragment
        with mock.patch("coverage.views.explorer.explorer_rows") as rows:
            tagged = self.client.get("/faults/?utm_source=newsletter")
        rows.assert_not_called()  # the tree came from the fragment
        tree = first.content.decode()
        self.assertIn(tree[tree.index("<tbody>") : tree.index("</tbody>")], tagged.content.decode())
        # Sorted by evidence, the leaves come first in another order: never the tree-order fragment.
        by_evidence = self.client.get("/faults/?sort=evidence").content.decode()
        self.assertLess(by_evidence.index('data-code="T.1-1"'), by_evidence.index('data-code="T-1"'))
        self.assertNotIn('data-code="T.1"', by_evidence[by_evidence.index("<tbody>") :])

    def test_explorer_and_summary_api_are_fresh_after_an_approval(self):
        with self.captureOnCommitCallbacks(execute=True):
            mapping = make_mapping(make_paper("zeta"), self.uncovered, status=ReviewStatus.PENDING)
        with override_settings(KB_COVERAGE_CACHE=False):
            uncached_page = self.client.get("/faults/").content
            uncached_api = self.client.get("/api/coverage/").json()
        self.assertEqual(self.client.get("/faults/").content, uncached_page)
        self.assertEqual(self.client.get("/faults/").content, uncached_page)  # from the cache
        self.assertEqual(self.client.get("/api/coverage/").json(), uncached_api)
        self.assertEqual(self.client.get("/api/coverage/").json(), uncached_api)

        with self.captureOnCommitCallbacks(execute=True):
            mapping.status = ReviewStatus.APPROVED
            mapping.save()

        page = self.client.get("/faults/").content.decode()
        tree = page[page.index('id="T-1"') :]
        self.assertIn('data-status="addressed"', tree[: tree.index(">")])
        self.assertEqual(self.client.get("/api/coverage/").json()["leaves"]["addressed"], 2)


@override_settings(
    KB_COVERAGE_CACHE=True,
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kb-dashboard-tests"},
    },
)
class CachedDashboardTests(KBTestCase):
    """The dashboard's charts, tables and demand gaps are built and rendered once per data version."""

    url = reverse("coverage:dashboard")

    def setUp(self):
        caches["default"].clear()

    def get(self) -> tuple[int, str]:
        """(queries run, HTML) of one dashboard request."""
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        return len(ctx.captured_queries), response.content.decode()

    def test_a_repeat_request_reuses_what_was_built_for_this_data_version(self):
        with override_settings(KB_COVERAGE_CACHE=False):
            uncached = self.get()[1]
        with (
            mock.patch.object(charts, "taxonomy_sunburst", wraps=charts.taxonomy_sunburst) as sunburst,
            mock.patch.object(charts, "status_shares", wraps=charts.status_shares) as shares,
        ):
            first, page = self.get()
            second, again = self.get()
        self.assertEqual((sunburst.call_count, shares.call_count), (1, 1), "charts built again")
        self.assertGreater(first, 0)
        self.assertEqual(second, 0)  # coverage from the cache, charts and tables from the fragment
        self.assertEqual(page, uncached)
        self.assertEqual(again, uncached)
        for key in ("research-vs-practice", "status-shares"):  # the fragment keeps each chart's CSV link
            self.assertIn(f'href="{escape(reverse("coverage:dashboard-csv", args=[key]))}" download', again)

    def test_an_approval_shows_on_the_next_request(self):
        with self.captureOnCommitCallbacks(execute=True):
            mapping = make_mapping(make_paper("eta"), self.uncovered, status=ReviewStatus.PENDING)
        addressed = (
            '<div class="label">Leaf faults addressed</div><div class="value">{}%</div>'
            '<div class="computed-basis">{}</div>'
        )
        self.get()
        queries, before = self.get()
        self.assertEqual(queries, 0, "not served from the cache")
        # The world's two leaves: T.1-1 has alpha's explicit mapping, T-1 only the pending one.
        self.assertIn(addressed.format("50.0", "1 / 2"), before)
        self.assertIn("<td>Leaf faults addressed</td><td>50.0%</td><td>1 / 2</td>", before)

        with self.captureOnCommitCallbacks(execute=True):
            mapping.status = ReviewStatus.APPROVED
            mapping.save()

        after = self.get()[1]
        # Both leaves now have an approved explicit mapping.
        self.assertIn(addressed.format("100.0", "2 / 2"), after)
        self.assertIn("<td>Leaf faults addressed</td><td>100.0%</td><td>2 / 2</td>", after)  # status-shares table
        specs = json_scripts(after)
        self.assertEqual(specs["chart-status-shares-spec"]["figure"]["data"][0]["y"][:3], [100.0, 0.0, 0.0])
        treemap = specs["chart-taxonomy-spec"]["figure"]["data"][0]
        colours = dict(zip(treemap["ids"], treemap["marker"]["colors"], strict=True))
        self.assertEqual(colours["T-1"], charts.STATUS_COLOURS[coverage.Status.ADDRESSED])


@override_settings(
    KB_COVERAGE_CACHE=True,
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kb-prefix-tests"},
    },
)
class ScriptPrefixTests(KBTestCase):
    """Two deployments under different URL prefixes sharing one cache never serve each other's cached links."""

    def setUp(self):
        caches["default"].clear()

    def test_cached_fragments_are_kept_apart_per_script_prefix(self):
        set_script_prefix("/kb/")  # as the WSGI handler does for a deployment mounted at /kb
        try:
            under_kb = self.client.get("/faults/").content.decode()
        finally:
            set_script_prefix("/")
        at_root = self.client.get("/faults/").content.decode()
        self.assertIn('href="/kb/faults/T-1/"', under_kb)
        self.assertIn('href="/faults/T-1/"', at_root)
        self.assertNotIn('href="/kb/faults/', at_root)  # (static files are not part of the cached fragment)
