"""Coverage and snapshot API (``coverage/api/``): every endpoint returns what ``coverage/coverage.py`` computes.

The tiny world (kb_site/test.py): T > T.1 > T.1-1 and T > T-1. alpha maps T.1-1 (explicit, Fuzzing M-T-GEN, 2021),
beta maps the category T.1 (partial, Testing M-T, 2023). T.1-1 has a GitHub issue, a StackOverflow post and an
interview mention; T-1 has a GitHub commit. One confirmed challenge relates to T.1-1.
"""

import csv
import datetime
import io

from django.urls import reverse
from django.utils import timezone

from challenges.tests.factories import make_artifact
from coverage import coverage, gap_analysis, snapshots, summaries
from coverage.api.serializers import FaultCoverageSerializer
from kb_site.api.renderers import serializer_columns
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import Strength
from taxonomy.tests.factories import make_fault, make_reported_figure
from taxonomy.tests.test_api import APITestCase


class SnapshotAPITests(APITestCase):
    def test_snapshots(self):
        snapshots.freeze("s1", description="first")
        body = self.json(reverse("api:snapshot-list"))
        self.assertEqual(body["count"], 1)
        row = body["results"][0]
        fields = {"id", "url", "name", "description", "created_at", "created_by", "entry_count", "figures"}
        self.assertEqual(set(row), fields)
        self.assertEqual((row["name"], row["entry_count"]), ("s1", 2))
        self.assertEqual(row["figures"]["leaves"]["addressed"], 1)
        detail = self.json(reverse("api:snapshot-detail", args=["s1"]))
        self.assertEqual(set(detail), fields | {"entries"})
        self.assertEqual(
            sorted((e["paper_key"], e["fault"], e["strength"], tuple(e["methods"])) for e in detail["entries"]),
            [("alpha", "T.1-1", "explicit", ("M-T-GEN",)), ("beta", "T.1", "partial", ("M-T",))],
        )
        self.assertEqual(self.json(reverse("api:snapshot-list"), q="fir")["count"], 1)
        self.assertEqual(self.json(reverse("api:snapshot-list"), q="zzz")["count"], 0)
        self.json(reverse("api:snapshot-detail", args=["nope"]), expect=404)


class CoverageAPITests(APITestCase):
    """Every coverage endpoint returns what coverage/coverage.py computes, and the tiny world's known numbers."""

    def test_summary_is_the_coverage_modules_summary(self):
        make_reported_figure(value="48.0", computed_counterpart="leaves.addressed_pct")
        body = self.json(reverse("api:coverage-list"))
        summary = summaries.coverage_summary(coverage.compute())
        expected = summaries.summary_dict(summary, summaries.reported_comparison(summary))
        self.assertEqual(body, {"computed_from": {"snapshot": None, "as_of": None}, **expected})

    def test_summary_numbers_of_the_tiny_world(self):
        make_reported_figure(value="48.0", computed_counterpart="leaves.addressed_pct")
        body = self.json(reverse("api:coverage-list"))
        self.assertEqual(
            body["leaves"],
            {
                "total": 2,
                "addressed": 1,
                "partial": 0,
                "unaddressed": 1,
                "addressed_pct": 50.0,
                "partial_pct": 0.0,
                "unaddressed_pct": 50.0,
            },
        )
        self.assertEqual(
            body["github"],
            {
                "classified": 2,
                "unclassified": 0,
                "on_category": 0,
                "addressed": 1,
                "partial": 0,
                "unaddressed": 1,
                "unaddressed_pct": 50.0,
            },
        )
        self.assertEqual((body["stackoverflow"]["classified"], body["stackoverflow"]["unaddressed_pct"]), (1, 0.0))
        self.assertEqual((body["interviews"]["classified"], body["interviews"]["unaddressed_pct"]), (1, 0.0))
        self.assertEqual(body["papers"], {"total": 2, "mappings": 2, "explicit": 1, "partial": 1, "category_level": 1})
        self.assertEqual(body["challenges"], {"confirmed": 1})
        [reported] = body["reported"]
        self.assertEqual((reported["value"], reported["computed"]), (48.0, 50.0))
        self.assertEqual(reported["source_key"], "nguyen2025")
        self.assertIn("nguyen2025", reported["source"].lower() + " nguyen2025")

    def test_the_dashboard_shows_the_same_numbers(self):
        page = self.client.get(reverse("coverage:dashboard"), secure=True)
        self.assertEqual(page.status_code, 200)
        dashboard = page.context["dashboard"]()
        shown = summaries.summary_dict(page.context["summary"], dashboard.comparisons)
        body = self.json(reverse("api:coverage-list"))
        self.assertEqual({k: v for k, v in body.items() if k != "computed_from"}, shown)

    def test_snapshot_and_as_of(self):
        snapshot = snapshots.freeze("before")
        before = timezone.now()
        make_mapping(make_paper("gamma"), self.uncovered)  # live: both leaves addressed now
        self.assertEqual(self.json(reverse("api:coverage-list"))["leaves"]["addressed"], 2)
        body = self.json(reverse("api:coverage-list"), snapshot="before")
        self.assertEqual(body["computed_from"], {"snapshot": "before", "as_of": None})
        expected = summaries.summary_dict(summaries.coverage_summary(coverage.compute(snapshot=snapshot)))
        self.assertEqual(
            {k: v for k, v in body.items() if k not in {"computed_from", "reported"}},
            {k: v for k, v in expected.items() if k != "reported"},
        )
        self.assertEqual(body["leaves"]["addressed"], 1)
        self.assertEqual(self.json(reverse("api:coverage-list"), as_of=before.isoformat())["leaves"]["addressed"], 1)
        long_ago = (before - datetime.timedelta(days=365)).isoformat()
        self.assertEqual(self.json(reverse("api:coverage-list"), as_of=long_ago)["papers"]["mappings"], 0)

    def test_bad_coverage_parameters_are_400_naming_them(self):
        for name in ["coverage-list", "coverage-faults", "coverage-categories", "coverage-gap-map"]:
            url = reverse(f"api:{name}")
            self.assert_bad_parameter(url, "snapshot", snapshot="nope")
            self.assert_bad_parameter(url, "as_of", as_of="yesterday")
            self.assert_bad_parameter(url, "as_of", as_of="")
        snapshots.freeze("s")
        self.assert_bad_parameter(reverse("api:coverage-list"), "as_of", snapshot="s", as_of="2025-01-01T00:00:00Z")
        self.assert_bad_parameter(reverse("api:coverage-gap-map"), "depth", depth="-1")
        self.assert_bad_parameter(reverse("api:coverage-faults"), "kind", kind="bogus")
        self.assert_bad_parameter(reverse("api:coverage-faults"), "ancestor", ancestor="NOPE")

    def test_per_fault_rows_are_the_computed_rows(self):
        body = self.json(reverse("api:coverage-faults"))
        data = coverage.compute()
        self.assertEqual(body["count"], 4)
        expected = FaultCoverageSerializer(data.rows, many=True, context={"request": None}).data
        strip = [{k: v for k, v in row.items() if k != "url"} for row in expected]
        self.assertEqual([{k: v for k, v in row.items() if k != "url"} for row in body["results"]], strip)
        rows = {row["code"]: row for row in body["results"]}
        self.assertEqual(
            (rows["T.1-1"]["status"], rows["T-1"]["status"], rows["T"]["status"]),
            ("addressed",)
            + (
                "unaddressed",
                None,
            ),
        )
        self.assertEqual(rows["T.1-1"]["evidence"], {"github": 1, "stackoverflow": 1, "interviews": 1, "total": 3})
        self.assertEqual(rows["T"]["evidence_subtree"], {"github": 2, "stackoverflow": 1, "interviews": 1, "total": 4})
        self.assertEqual(
            (rows["T"]["papers_subtree"], rows["T.1"]["partial"], rows["T.1-1"]["methods"]), (2, 1, ["M-T-GEN"])
        )

    def test_per_fault_rows_filter_like_the_fault_list(self):
        url = reverse("api:coverage-faults")
        self.assertEqual(self.codes(url, kind="leaf"), ["T.1-1", "T-1"])
        self.assertEqual(self.codes(url, ancestor="T.1"), ["T.1", "T.1-1"])
        self.assertEqual(self.codes(url, status="unaddressed"), ["T-1"])
        self.assertEqual(self.codes(url, page_size=1), ["T"])

    def test_status_filter_uses_the_coverage_being_shown(self):
        snapshots.freeze("before")
        make_mapping(make_paper("gamma"), self.uncovered)
        url = reverse("api:coverage-faults")
        self.assertEqual(self.codes(url, status="addressed"), ["T.1-1", "T-1"])
        self.assertEqual(self.codes(url, status="addressed", snapshot="before"), ["T.1-1"])
        self.assertEqual(self.codes(url, status="unaddressed", snapshot="before"), ["T-1"])

    def test_categories(self):
        body = self.json(reverse("api:coverage-categories"))
        self.assertEqual([row["code"] for row in body["results"]], ["T", "T.1"])
        root, memory = body["results"]
        self.assertEqual(
            (root["leaves"], root["leaves_addressed"], root["leaves_unaddressed"], root["addressed_pct"]),
            (2, 1, 1, 50.0),
        )
        self.assertEqual((root["unaddressed_pct"], root["partial_pct"]), (50.0, 0.0))
        self.assertEqual(
            (memory["leaves"], memory["addressed_pct"], memory["category_mappings_subtree"]), (1, 100.0, 1)
        )
        self.assertEqual(memory["evidence_subtree"]["total"], 3)
        rows = {row.code: row for row in coverage.compute().rows}
        self.assertEqual(root["papers_subtree"], rows["T"].papers_subtree)
        self.assertEqual(float(rows["T"].unaddressed_share.pct), root["unaddressed_pct"])

    def test_gap_map(self):
        body = self.json(reverse("api:coverage-gap-map"))
        cells = [(c["category"]["code"], c["method"]["code"], c["papers"]) for c in body["results"]]
        self.assertEqual(cells, [("T", "M-T", 2)])
        expected = [(c.category.code, c.method.code, c.papers) for c in gap_analysis.gap_map(coverage.compute())]
        self.assertEqual(cells, expected)
        deeper = self.json(reverse("api:coverage-gap-map"), depth=1)["results"]
        self.assertEqual([(c["category"]["code"], c["papers"]) for c in deeper], [("T.1", 2)])

    def test_papers_per_year(self):
        body = self.json(reverse("api:coverage-papers-per-year"))
        rows = [(r["year"], r["method"], r["papers"]) for r in body["results"]]
        self.assertEqual(rows, [(2021, "M-T", 1), (2023, "M-T", 1)])
        computed = gap_analysis.papers_per_year_by_method(coverage.compute())
        self.assertEqual(rows, [(year, method, n) for (year, method), n in computed.items()])

    def test_layer(self):
        body = self.json(reverse("api:coverage-layer"))
        self.assertEqual(body["versions"]["layer"], "4.5")
        techniques = {t["techniqueID"]: t for t in body["techniques"]}
        self.assertEqual(list(techniques), ["T", "T.1", "T.1-1", "T-1"])
        self.assertEqual((techniques["T.1-1"]["score"], techniques["T-1"]["score"]), (2, 0))
        self.assertNotIn("score", techniques["T"])
        self.assertEqual([item["label"] for item in body["legendItems"]], [s.label for s in coverage.Status])
        self.assertEqual((body["gradient"]["minValue"], body["gradient"]["maxValue"]), (0, 2))
        partial = make_fault("T-2", parent=self.root)
        make_mapping(make_paper("delta"), partial, strength=Strength.PARTIAL)
        techniques = {t["techniqueID"]: t for t in self.json(reverse("api:coverage-layer"))["techniques"]}
        self.assertEqual(techniques["T-2"]["score"], 1)

    def test_coverage_csv_for_the_dashboard(self):
        response = self.get(reverse("api:coverage-faults"), format="csv", kind="leaf")
        self.assertEqual(response.status_code, 200)
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertEqual(rows[0], serializer_columns(FaultCoverageSerializer()))
        self.assertEqual([row[0] for row in rows[1:]], ["T.1-1", "T-1"])
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="coverage-faults.csv"')
        gap_map = self.get(reverse("api:coverage-gap-map"), format="csv")
        self.assertEqual(gap_map["Content-Disposition"], 'attachment; filename="coverage-gap-map.csv"')
        summary_response = self.get(reverse("api:coverage-list"), format="csv")
        self.assertEqual(summary_response["Content-Disposition"], 'attachment; filename="coverage.csv"')
        summary = list(csv.reader(io.StringIO(summary_response.content.decode())))
        self.assertIn(["leaves.addressed_pct", "50.0"], summary)

    def test_coverage_queries_do_not_grow_with_data(self):
        url = reverse("api:coverage-faults")
        small = self.query_count(url)
        for n in range(10):
            fault = make_fault(f"T-{n + 20}", parent=self.root)
            make_mapping(make_paper(f"q{n}"), fault)
            make_artifact(fault)
        self.assertEqual(self.query_count(url), small)
        self.assertEqual(self.query_count(url, page_size=500), small)


class ExactQueryCountTests(APITestCase):
    """The coverage and snapshot API lists run exactly these queries (coverage caching off, as in production
    without Redis): the engine's 6 (fault tree, approved mappings per fault, their methods, artefacts per fault and
    source, mentions per fault, challenge links per fault), plus what each endpoint adds."""

    maxDiff = None

    def test_exact_query_counts(self):
        snapshots.freeze("s1")
        expected = [
            ("api:coverage-list", {}, 6 + 2),  # + confirmed challenges, reported figures
            # The snapshot, then the engine with its frozen entries (1 query) in place of the live mappings (2).
            ("api:coverage-list", {"snapshot": "s1"}, 1 + 5 + 2),
            ("api:coverage-faults", {}, 6 + 1),  # + the filtered fault ids
            ("api:coverage-categories", {}, 6 + 1),
            ("api:coverage-gap-map", {}, 6 + 2 + 1),  # + the mapping set's facts (2), the methods
            ("api:coverage-papers-per-year", {}, 6 + 2 + 2),  # + facts (2), paper years, method parents
            ("api:coverage-layer", {}, 6),
            ("api:method-list", {}, 2),  # count, page
            ("api:snapshot-list", {}, 2),
            ("api:snapshot-detail", {"name": "s1"}, 2),  # the snapshot, its entries with their faults
            # The snapshot; one tree; the engine on its entries (4) and on the live mappings (5); both mapping sets
            # (entries 1, live 2); the live figures' confirmed challenges.
            ("api:snapshot-diff-list", {"before": "s1"}, 1 + 1 + 4 + 5 + 3 + 1),
        ]
        actual = []
        for name, params, _count in expected:
            kwargs = {"name": params.pop("name")} if "name" in params else {}
            actual.append((name, params, self.query_count(reverse(name, kwargs=kwargs), **params)))
        self.assertEqual(actual, expected)
