"""REST API of the taxonomy app: faults, methods, sources, reported figures, snapshots and coverage.

The tiny world (kb_site/test.py): T > T.1 > T.1-1 and T > T-1. alpha maps T.1-1 (explicit, Fuzzing M-T-GEN, 2021),
beta maps the category T.1 (partial, Testing M-T, 2023). T.1-1 has a GitHub issue, a StackOverflow post and an
interview mention; T-1 has a GitHub commit. One confirmed challenge relates to T.1-1.
"""

import csv
import io
from unittest import mock

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.throttling import AnonRateThrottle

from challenges.tests.factories import make_artifact, make_challenge, make_interview, make_mention
from coverage import snapshots
from kb_site.test import KBTestCase
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import Fault, Strength
from taxonomy.tests.factories import make_fault, make_method, make_reported_figure, make_source

FAULT_FIELDS = {
    "id",
    "url",
    "code",
    "slug",
    "name",
    "definition",
    "kind",
    "origin",
    "parent",
    "source",
    "first_seen_in",
    "replication_code",
    "provenance",
    "position",
    "children_count",
}
FAULT_BRIEF_FIELDS = {"id", "url", "code", "name", "kind"}


class APITestCase(KBTestCase):
    def setUp(self):
        cache.clear()  # throttle counters live in the cache

    def get(self, url, **params):
        response = self.client.get(url, params, secure=True)
        return response

    def json(self, url, expect=200, **params):
        response = self.get(url, **params)
        self.assertEqual(response.status_code, expect, response.content[:500])
        self.assertEqual(response["Content-Type"], "application/json")
        return response.json()

    def codes(self, url, **params):
        return [row["code"] for row in self.json(url, **params)["results"]]

    def assert_bad_parameter(self, url, parameter, **params):
        body = self.json(url, expect=400, **params)
        self.assertIn(parameter, body)
        self.assertTrue(body[parameter] and all(isinstance(m, str) for m in body[parameter]))
        return body

    def query_count(self, url, **params) -> int:
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.get(url, **params).status_code, 200)
        return len(queries)


class FaultAPITests(APITestCase):
    url = reverse("api:fault-list")

    def test_list_items_have_exactly_the_documented_fields(self):
        body = self.json(self.url)
        self.assertEqual(body["count"], 4)
        self.assertEqual(set(body), {"count", "next", "previous", "results"})
        for row in body["results"]:
            self.assertEqual(set(row), FAULT_FIELDS)
        leak = next(row for row in body["results"] if row["code"] == "T.1-1")
        self.assertEqual(set(leak["parent"]), FAULT_BRIEF_FIELDS)
        self.assertEqual(leak["parent"]["code"], "T.1")
        self.assertTrue(leak["url"].endswith("/api/faults/T.1-1/"))

    def test_children_are_counted_and_coverage_counts_are_the_coverage_apis(self):
        rows = {row["code"]: row["children_count"] for row in self.json(self.url)["results"]}
        self.assertEqual(rows, {"T": 2, "T.1": 1, "T.1-1": 0, "T-1": 0})
        self.assertNotIn("mapping_count", self.json(reverse("api:fault-detail", args=["T.1-1"])))

    def test_list_is_in_tree_order_and_paginates_with_a_total(self):
        body = self.json(self.url, page_size=3)
        self.assertEqual([r["code"] for r in body["results"]], ["T", "T.1", "T.1-1"])
        self.assertEqual(body["count"], 4)
        self.assertIn("page=2", body["next"])
        second = self.json(self.url, page_size=3, page=2)
        self.assertEqual([r["code"] for r in second["results"]], ["T-1"])
        self.assertIsNone(second["next"])

    def test_ordering(self):
        self.assertEqual(self.codes(self.url, ordering="-position"), ["T-1", "T.1-1", "T.1", "T"])
        self.assertEqual(self.codes(self.url, ordering="name"), ["T.1", "T.1-1", "T", "T-1"])

    def test_filters(self):
        self.assertEqual(self.codes(self.url, ancestor="T.1"), ["T.1", "T.1-1"])
        self.assertEqual(self.codes(self.url, parent="T"), ["T.1", "T-1"])
        self.assertEqual(self.codes(self.url, parent_id=self.root.pk), ["T.1", "T-1"])
        self.assertEqual(self.codes(self.url, kind="leaf"), ["T.1-1", "T-1"])
        coverage_url = reverse("api:coverage-faults")  # status and evidence: the coverage API's filters
        self.assertEqual(self.codes(coverage_url, status="unaddressed"), ["T-1"])
        self.assertEqual(self.codes(coverage_url, status="addressed"), ["T.1-1"])
        self.assertEqual(self.codes(coverage_url, status="partial"), [])
        self.assertEqual(self.codes(coverage_url, evidence="interviews"), ["T.1-1"])
        self.assertEqual(self.codes(coverage_url, evidence="github"), ["T.1-1", "T-1"])
        self.assertEqual(self.codes(coverage_url, evidence="stackoverflow"), ["T.1-1"])
        self.assertEqual(self.codes(coverage_url, evidence="none"), ["T", "T.1"])
        self.assertEqual(self.codes(self.url, q="leak"), ["T.1-1"])
        self.assertEqual(self.codes(self.url, q=""), ["T", "T.1", "T.1-1", "T-1"])

    def test_invalid_filter_values_are_400_naming_the_parameter(self):
        self.assert_bad_parameter(self.url, "ancestor", ancestor="NOPE")
        self.assert_bad_parameter(self.url, "parent", parent="NOPE")
        self.assert_bad_parameter(self.url, "kind", kind="bogus")
        self.assert_bad_parameter(self.url, "kind", kind="")
        self.assert_bad_parameter(self.url, "parent_id", parent_id="abc")
        self.assert_bad_parameter(self.url, "parent_id", parent_id="1.5")
        self.assertEqual(self.get(self.url, ancestor="T\x00").status_code, 400)
        self.assert_bad_parameter(self.url, "page_size", page_size="0")
        self.assert_bad_parameter(self.url, "page_size", page_size="501")
        self.assert_bad_parameter(self.url, "page_size", page_size="ten")
        self.assert_bad_parameter(self.url, "format", format="")
        body = self.json(self.url + "?page=1&page=2", expect=400)
        self.assertEqual(body, {"page": ["Give this parameter once."]})
        body = self.json(self.url + "?ordering=code&ordering=name", expect=400)
        self.assertEqual(body, {"ordering": ["Give this parameter once."]})

    def test_page_out_of_range_is_404(self):
        self.assertEqual(set(self.json(self.url, expect=404, page=9)), {"detail"})

    def test_detail_by_fault_id_with_children(self):
        body = self.json(reverse("api:fault-detail", args=["T.1"]))
        self.assertEqual(set(body), FAULT_FIELDS | {"children"})
        self.assertEqual([child["code"] for child in body["children"]], ["T.1-1"])
        self.assertEqual(set(body["children"][0]), FAULT_BRIEF_FIELDS)

    def test_unknown_id_is_a_json_404(self):
        self.assertEqual(set(self.json(reverse("api:fault-detail", args=["NOPE"]), expect=404)), {"detail"})
        self.assertEqual(self.json("/api/faults/T/no/such/path/", expect=404), {"detail": "Not found."})

    def test_writes_are_refused(self):
        response = self.client.post(self.url, {"code": "X"}, secure=True)
        self.assertEqual(response.status_code, 405)
        self.client.force_login(self.curator)
        response = self.client.delete(reverse("api:fault-detail", args=["T"]), secure=True)
        self.assertEqual(response.status_code, 405)
        self.assertTrue(Fault.objects.filter(code="T").exists())

    def test_tree(self):
        body = self.json(reverse("api:fault-tree"))
        self.assertEqual(len(body), 1)
        root = body[0]
        self.assertEqual(set(root), {"code", "slug", "name", "kind", "depth", "url", "children"})
        self.assertEqual([c["code"] for c in root["children"]], ["T.1", "T-1"])
        self.assertEqual([c["code"] for c in root["children"][0]["children"]], ["T.1-1"])
        self.assertEqual(root["children"][0]["children"][0]["depth"], 2)
        subtree = self.json(reverse("api:fault-tree"), root="T.1")
        self.assertEqual([(n["code"], [c["code"] for c in n["children"]]) for n in subtree], [("T.1", ["T.1-1"])])
        self.assert_bad_parameter(reverse("api:fault-tree"), "root", root="NOPE")

    def test_list_queries_do_not_grow_with_rows_or_page_size(self):
        small = self.query_count(self.url)
        self.assertEqual(self.query_count(self.url, page_size=1), small)
        for n in range(12):
            fault = make_fault(f"T.1-{n + 2}", parent=self.memory)
            make_mapping(make_paper(f"p{n}"), fault)
            make_artifact(fault)
            make_mention(self.interview, fault)
        self.assertEqual(self.query_count(self.url), small)
        self.assertEqual(self.query_count(self.url, page_size=500), small)
        self.assertEqual(self.query_count(self.url, format="csv"), small - 1)  # no count query for an export

    def test_csv_export_respects_filters_and_is_the_whole_list(self):
        response = self.get(self.url, format="csv", kind="leaf", page_size=1)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertEqual(rows[0][:4], ["id", "url", "code", "slug"])
        self.assertIn("parent.code", rows[0])
        self.assertEqual([row[rows[0].index("code")] for row in rows[1:]], ["T.1-1", "T-1"])
        self.assertEqual(rows[1][rows[0].index("url")], "https://testserver/api/faults/T.1-1/")

    def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(self):
        make_fault("T-9", name='=HYPERLINK("http://evil")', parent=self.root, definition="+1", position=99)
        make_fault("T-10", name="@SUM(A1)", parent=self.root, definition="-2", position=100)
        rows = list(csv.DictReader(io.StringIO(self.get(self.url, format="csv").content.decode())))
        by_code = {row["code"]: row for row in rows}
        self.assertEqual(by_code["T-9"]["name"], '\'=HYPERLINK("http://evil")')
        self.assertEqual(by_code["T-9"]["definition"], "'+1")
        self.assertEqual(by_code["T-10"]["name"], "'@SUM(A1)")
        self.assertEqual(by_code["T-10"]["definition"], "'-2")
        self.assertEqual(by_code["T.1-1"]["name"], "Memory leak")


class AuthAndThrottleTests(APITestCase):
    def test_token_authentication_is_ready(self):
        token = Token.objects.create(user=self.researcher)
        url = reverse("api:fault-list")
        ok = self.client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}", secure=True)
        self.assertEqual(ok.status_code, 200)
        # A wrong token is refused even on a public read, with a challenge saying how to authenticate; the schema
        # documents it.
        bad = self.client.get(url, HTTP_AUTHORIZATION="Token not-a-token", secure=True)
        self.assertEqual((bad.status_code, bad.json()), (401, {"detail": "Invalid token."}))
        self.assertEqual(bad["WWW-Authenticate"], "Token")

    def test_anonymous_reads_are_throttled(self):
        url = reverse("api:method-list")
        with mock.patch.dict(AnonRateThrottle.THROTTLE_RATES, {"anon": "3/minute"}):
            statuses = [self.get(url).status_code for _ in range(4)]
            self.assertEqual(statuses, [200, 200, 200, 429])
            throttled = self.get(url)
            self.assertEqual(set(throttled.json()), {"detail"})
            self.assertTrue(int(throttled["Retry-After"]) > 0)


class MethodSourceFigureAPITests(APITestCase):
    def test_methods(self):
        body = self.json(reverse("api:method-list"))
        self.assertEqual(body["count"], 2)
        rows = {row["code"]: row for row in body["results"]}
        fields = {"id", "url", "code", "name", "definition", "parent", "position", "paper_count", "mapping_count"}
        self.assertEqual(set(rows["M-T"]), fields)
        self.assertEqual((rows["M-T"]["parent"], rows["M-T-GEN"]["parent"]), (None, "M-T"))
        self.assertEqual((rows["M-T"]["paper_count"], rows["M-T"]["mapping_count"]), (1, 1))
        self.assertEqual((rows["M-T-GEN"]["paper_count"], rows["M-T-GEN"]["mapping_count"]), (1, 1))
        self.assertEqual(self.codes(reverse("api:method-list"), parent="M-T"), ["M-T-GEN"])
        self.assertEqual(self.codes(reverse("api:method-list"), top_level="true"), ["M-T"])
        self.assert_bad_parameter(reverse("api:method-list"), "top_level", top_level="maybe")
        self.assert_bad_parameter(reverse("api:method-list"), "parent", parent="M-NOPE")
        self.assertEqual(self.json(reverse("api:method-detail", args=["M-T-GEN"]))["name"], "Fuzzing")
        self.json(reverse("api:method-detail", args=["M-NOPE"]), expect=404)

    def test_sources(self):
        body = self.json(reverse("api:source-list"))
        self.assertEqual([row["key"] for row in body["results"]], ["humbatova2020", "nguyen2025"])
        fields = {"id", "url", "key", "title", "authors", "year", "venue", "doi", "arxiv_id", "link", "licence"}
        fields |= {"attribution", "note", "citation"}
        self.assertEqual(set(body["results"][0]), fields)
        self.assertEqual(body["results"][0]["licence"], "CC BY 4.0")
        self.assertEqual(self.json(reverse("api:source-detail", args=["nguyen2025"]))["key"], "nguyen2025")
        self.json(reverse("api:source-detail", args=["nope"]), expect=404)

    def test_reported_figures(self):
        make_reported_figure(value="48.0", computed_counterpart="leaves.addressed_pct")
        body = self.json(reverse("api:reported-figure-list"))
        self.assertEqual(body["count"], 1)
        row = body["results"][0]
        self.assertEqual(
            set(row),
            {"id", "url", "key", "value", "display_value", "unit", "of", "locator", "numerator", "denominator"}
            | {"computed_counterpart", "position", "source", "citation"},
        )
        self.assertEqual((row["value"], row["display_value"], row["source"]["key"]), (48.0, "48.0%", "nguyen2025"))
        self.assertEqual(self.json(reverse("api:reported-figure-list"), source="humbatova2020")["count"], 0)
        self.assert_bad_parameter(reverse("api:reported-figure-list"), "unit", unit="furlongs")


class QueryBudgetTests(APITestCase):
    """Every list endpoint runs the same number of queries for the tiny world and for a much bigger one."""

    LISTS = [
        "api:fault-list",
        "api:method-list",
        "api:source-list",
        "api:reported-figure-list",
        "api:snapshot-list",
        "api:paper-list",
        "api:mapping-list",
        "api:github-artifact-list",
        "api:stackoverflow-post-list",
        "api:interview-list",
        "api:interview-mention-list",
        "api:challenge-list",
        "api:coverage-faults",
        "api:coverage-categories",
        "api:coverage-gap-map",
        "api:coverage-papers-per-year",
    ]

    def budgets(self) -> dict[str, tuple[int, int]]:
        return {
            name: (self.query_count(reverse(name)), self.query_count(reverse(name), page_size=500))
            for name in self.LISTS
        }

    def test_queries_do_not_grow_with_data_or_page_size(self):
        snapshots.freeze("small")
        make_reported_figure("a", value="1.0")
        small = self.budgets()
        for name, (default, big_page) in small.items():
            self.assertEqual(default, big_page, name)
        make_source("extra")
        methods = [make_method(f"M-X{n}", parent=self.testing) for n in range(5)]
        for n in range(30):
            fault = make_fault(f"T.1-{n + 100}", parent=self.memory)
            paper = make_paper(f"big-{n}", year=2000 + n, methods=methods[: n % 5 + 1])
            make_mapping(paper, fault, methods=methods[: n % 3 + 1])
            make_mapping(paper, self.uncovered, strength=Strength.PARTIAL)
            make_artifact(fault)
            make_artifact(fault, source="stackoverflow")
            interview = make_interview(n + 10)
            make_mention(interview, fault)
            make_challenge(f"challenge-{n}", faults=[fault, self.memory_leak])
            make_reported_figure(f"figure-{n}", value="2.0")
        snapshots.freeze("big")
        self.assertEqual(self.budgets(), small)
