"""Snapshot pages and the diff API: list, detail (stored vs recomputed figures), freezing, diff."""

from unittest import mock

from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from coverage import snapshots, views
from coverage.models import Snapshot
from kb_site.test import KBTestCase
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import Strength


class SnapshotPageTests(KBTestCase):
    def setUp(self):
        self.seed = snapshots.freeze("seed", description="The curated data as first loaded", created_by="manage.py")

    def test_list_is_public_and_shows_each_snapshot(self):
        response = self.client.get(reverse("coverage:snapshot-list"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'href="{self.seed.get_absolute_url()}"')
        self.assertContains(response, "The curated data as first loaded")
        self.assertEqual([(s.name, s.entry_count) for s in response.context["snapshots"]], [("seed", 2)])
        self.assertIsNone(response.context["form"])  # only curators may freeze
        self.client.force_login(self.curator)
        self.assertIsNotNone(self.client.get(reverse("coverage:snapshot-list")).context["form"])

    def test_list_query_count_does_not_grow(self):
        with self.assertNumQueries(1):
            self.client.get(reverse("coverage:snapshot-list"))
        for n in range(4):
            snapshots.freeze(f"more-{n}")
        with self.assertNumQueries(1):
            response = self.client.get(reverse("coverage:snapshot-list"))
        self.assertEqual(len(response.context["snapshots"]), 5)

    def test_detail_shows_stored_figures_and_that_recomputing_them_gives_the_same(self):
        response = self.client.get(self.seed.get_absolute_url())
        self.assertTrue(response.context["verified"])
        self.assertContains(response, 'Recomputed figures equal stored: <strong class="yes">yes</strong>', html=False)
        rows = {row["key"]: (row["value"], row["recomputed"]) for row in response.context["rows"]}
        self.assertEqual(rows["leaves.addressed"], (1, 1))
        self.assertEqual(rows["leaves.total"], (2, 2))
        self.assertEqual(
            [(e.fault.code, e.paper_key) for e in response.context["entries"]], [("T.1", "beta"), ("T.1-1", "alpha")]
        )

    def test_detail_says_no_when_the_stored_figures_were_tampered_with(self):
        figures = dict(self.seed.figures)
        figures["leaves"] = {**figures["leaves"], "addressed": 2}
        Snapshot.objects.filter(pk=self.seed.pk).update(figures=figures)
        response = self.client.get(self.seed.get_absolute_url())
        self.assertFalse(response.context["verified"])
        self.assertContains(response, 'Recomputed figures equal stored: <strong class="no">no</strong>', html=False)
        differing = [row["key"] for row in response.context["rows"] if not row["equal"]]
        self.assertEqual(differing, ["leaves.addressed"])

    def test_unknown_snapshot_is_404(self):
        self.assertEqual(self.client.get(reverse("coverage:snapshot-detail", args=["nope"])).status_code, 404)

    def test_curator_freezes_a_snapshot(self):
        self.client.force_login(self.curator)
        response = self.client.post(
            reverse("coverage:snapshot-create"), {"name": "2026-q4", "description": "Quarterly"}
        )
        snapshot = Snapshot.objects.get(name="2026-q4")
        self.assertRedirects(response, snapshot.get_absolute_url())
        self.assertEqual((snapshot.created_by, snapshot.entries.count()), ("curator", 2))
        self.assertTrue(snapshots.verify(snapshot))

    def test_freeze_form_errors(self):
        self.client.force_login(self.curator)
        cases = [
            ("seed", "A snapshot named “seed” exists already."),
            ("live", "“live” is reserved; choose another name."),
            ("diff", "“diff” is reserved; choose another name."),
            ("not a slug!", "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."),
            ("", "This field is required."),
        ]
        for name, message in cases:
            with self.subTest(name=name):
                response = self.client.post(reverse("coverage:snapshot-create"), {"name": name})
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.context["form"].errors["name"], [message])
        self.assertEqual(Snapshot.objects.count(), 1)

    def test_only_curators_freeze(self):
        url = reverse("coverage:snapshot-create")
        response = self.client.post(url, {"name": "anon"})
        self.assertRedirects(response, f"{reverse('login')}?next={url}", fetch_redirect_response=False)
        self.client.force_login(self.researcher)
        self.assertEqual(self.client.post(url, {"name": "researcher"}).status_code, 403)
        self.client.force_login(self.curator)
        self.assertEqual(self.client.get(url).status_code, 405)
        csrf_client = Client(enforce_csrf_checks=True)
        csrf_client.force_login(self.curator)
        self.assertEqual(csrf_client.post(url, {"name": "csrf"}).status_code, 403)
        self.assertEqual(list(Snapshot.objects.values_list("name", flat=True)), ["seed"])


class SnapshotDiffTests(KBTestCase):
    def setUp(self):
        self.seed = snapshots.freeze("seed")
        self.gamma = make_paper("gamma", title="Gamma")
        self.gamma_uncovered = make_mapping(self.gamma, self.uncovered, strength=Strength.PARTIAL)
        self.alpha_leak.status = "retracted"
        self.alpha_leak.save()

    def test_page_compares_the_latest_snapshot_with_live_by_default(self):
        response = self.client.get(reverse("coverage:snapshot-diff"))
        diff = response.context["diff"]
        self.assertEqual((diff.before, diff.after), ("seed", "live"))
        self.assertEqual(
            [(c.code, c.before, c.after) for c in diff.status_changes],
            [("T.1-1", "addressed", "unaddressed"), ("T-1", "unaddressed", "partial")],
        )
        self.assertEqual([(m.paper_key, m.fault_code) for m in diff.added], [("gamma", "T-1")])
        self.assertEqual([(m.paper_key, m.fault_code) for m in diff.removed], [("alpha", "T.1-1")])
        figures = {row["key"]: (row["before"], row["after"], row["delta"]) for row in response.context["figures"]}
        self.assertEqual(figures["leaves.addressed"], (1, 0, -1))
        self.assertEqual(figures["leaves.partial"], (0, 1, 1))
        self.assertEqual(figures["leaves.addressed_pct"], (50.0, 0.0, -50.0))
        self.assertEqual(figures["papers.explicit"], (1, 0, -1))
        self.assertNotIn("papers.total", figures)  # alpha out, gamma in: still 2 papers
        self.assertContains(response, "Mappings retracted or removed (1)")

    def test_page_lists_the_first_mappings_and_counts_them_all(self):
        make_mapping(make_paper("delta", title="Delta"), self.uncovered)
        with mock.patch.object(views, "DIFF_LIMIT", 1):
            response = self.client.get(reverse("coverage:snapshot-diff"))
        self.assertEqual([(m.paper_key, m.fault_code) for m in response.context["diff"].added], [("delta", "T-1")])
        self.assertContains(response, "Mappings added (2)")
        self.assertContains(response, "Showing the first 1 of 2, by fault and paper;")
        self.assertNotContains(response, "Showing the first 1 of 1")  # one removed: shown whole

    @override_settings(KB_COVERAGE_CACHE=True)
    def test_a_cached_diff_follows_a_change(self):
        cache.clear()
        url = reverse("coverage:snapshot-diff")
        self.assertContains(self.client.get(url), "Mappings added (1)")
        with self.captureOnCommitCallbacks(execute=True):
            make_mapping(make_paper("delta", title="Delta"), self.uncovered)
        self.assertContains(self.client.get(url), "Mappings added (2)")

    def test_the_same_state_has_no_difference(self):
        response = self.client.get(reverse("coverage:snapshot-diff"), {"before": "seed", "after": "seed"})
        self.assertContains(response, "No difference")

    def test_unknown_name_is_a_form_error(self):
        response = self.client.get(reverse("coverage:snapshot-diff"), {"before": "nope", "after": "live"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.context["form"].errors["before"],
            ["Select a valid choice. nope is not one of the available choices."],
        )

    def test_api_diff(self):
        response = self.client.get(reverse("api:snapshot-diff-list"), {"before": "seed"})
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(set(body), {"before", "after", "status_changes", "added", "removed", "figures"})
        self.assertEqual((body["before"], body["after"]), ("seed", "live"))
        self.assertEqual(
            body["removed"],
            [
                {
                    "mapping_uid": str(self.alpha_leak.uid),
                    "paper_key": "alpha",
                    "fault_code": "T.1-1",
                    "strength": "explicit",
                }
            ],
        )
        self.assertIn({"key": "leaves.partial", "before": 0, "after": 1}, body["figures"])
        reverse_body = self.client.get(reverse("api:snapshot-diff-list"), {"before": "live", "after": "seed"}).json()
        self.assertEqual(reverse_body["added"], body["removed"])

    def test_api_diff_errors_are_field_level(self):
        response = self.client.get(reverse("api:snapshot-diff-list"), {"before": "nope"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"before": ["No snapshot named “nope” (or use “live”)."]})
        response = self.client.get(reverse("api:snapshot-diff-list"))
        self.assertEqual(response.json(), {"before": ["This field is required."]})

    def test_writes_are_not_allowed(self):
        User.objects.filter(pk=self.curator.pk).update(is_staff=True)
        self.client.force_login(self.curator)
        self.assertEqual(self.client.post(reverse("api:snapshot-diff-list"), {"before": "seed"}).status_code, 405)
