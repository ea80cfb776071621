"""REST API of the papers app: papers (JSON, CSV, BibTeX) and paper-to-fault mappings. Only approved ones are public."""

import csv
import io
import uuid

from django.urls import reverse

from challenges.tests.factories import make_artifact
from papers.bibtex import paper_to_bibtex
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import ReviewStatus, Strength
from taxonomy.tests.factories import make_fault
from taxonomy.tests.test_api import APITestCase

PAPER_FIELDS = {
    "id",
    "url",
    "key",
    "title",
    "authors",
    "authors_complete",
    "authors_display",
    "year",
    "venue",
    "doi",
    "arxiv_id",
    "link",
    "external_url",
    "abstract_source_url",
    "abstract_read",
    "origin",
    "source",
    "evidence_note",
    "quote",
    "quote_locator",
    "methods",
    "phases",
    "targets",
    "created_at",
    "updated_at",
    "mapping_count",
    "mappings",
    "hidden",
}
MAPPING_FIELDS = {
    "id",
    "url",
    "uid",
    "paper",
    "fault",
    "strength",
    "methods",
    "phases",
    "targets",
    "rationale",
    "evidence_kind",
    "evidence_note",
    "quote",
    "quote_locator",
    "curated_by",
    "approved_at",
    "created_at",
    "updated_at",
}


class PaperAPITests(APITestCase):
    url = reverse("api:paper-list")

    def keys(self, url=None, **params):
        return [row["key"] for row in self.json(url or self.url, **params)["results"]]

    def test_list_shape(self):
        body = self.json(self.url)
        self.assertEqual(body["count"], 2)
        rows = {row["key"]: row for row in body["results"]}
        self.assertEqual(set(rows["alpha"]), PAPER_FIELDS)
        self.assertEqual(rows["alpha"]["mapping_count"], 1)
        self.assertEqual(
            rows["alpha"]["mappings"], [{"strength": "explicit", "fault": rows["alpha"]["mappings"][0]["fault"]}]
        )
        self.assertEqual(
            {k: v for k, v in rows["alpha"]["mappings"][0]["fault"].items() if k != "url"},
            {"id": self.memory_leak.pk, "code": "T.1-1", "name": "Memory leak", "kind": "leaf"},
        )
        self.assertEqual([m["code"] for m in rows["alpha"]["methods"]], ["M-T-GEN"])
        self.assertEqual(rows["alpha"]["authors"], ["Ada Lovelace", "Alan Turing"])

    def test_only_approved_papers_and_mappings_are_public(self):
        make_paper("hidden", status=ReviewStatus.PENDING)
        make_mapping(self.alpha, self.uncovered, status=ReviewStatus.PENDING)
        make_mapping(self.beta, self.uncovered, status=ReviewStatus.REJECTED)
        self.assertEqual(self.keys(), ["beta", "alpha"])
        rows = {row["key"]: row for row in self.json(self.url)["results"]}
        self.assertEqual((rows["alpha"]["mapping_count"], len(rows["alpha"]["mappings"])), (1, 1))
        self.json(reverse("api:paper-detail", args=["hidden"]), expect=404)
        self.assertEqual(self.keys(fault="T-1"), [])

    def test_default_order_is_newest_first_and_ordering_works(self):
        self.assertEqual(self.keys(), ["beta", "alpha"])
        self.assertEqual(self.keys(ordering="year"), ["alpha", "beta"])
        self.assertEqual(self.keys(ordering="title"), ["alpha", "beta"])
        self.assert_bad_parameter(self.url, "ordering", ordering="colour")

    def test_filters(self):
        self.assertEqual(self.keys(fault="T.1-1"), ["alpha"])
        self.assertEqual(self.keys(fault="T.1"), ["beta"])
        self.assertEqual(self.keys(ancestor="T.1"), ["beta", "alpha"])
        self.assertEqual(self.keys(year_min=2022), ["beta"])
        self.assertEqual(self.keys(year_max=2022), ["alpha"])
        self.assertEqual(self.keys(year_min=2021, year_max=2021), ["alpha"])
        self.assertEqual(self.keys(method="M-T"), ["beta", "alpha"])  # a family matches its subtypes
        self.assertEqual(self.keys(method="M-T-GEN"), ["alpha"])
        self.assertEqual(self.keys(strength="partial"), ["beta"])
        self.alpha.phases = ["detection", "localisation"]
        self.alpha.save()
        self.assertEqual(self.keys(phase="localisation"), ["alpha"])
        self.assertEqual(self.keys(phase="fixing"), [])
        self.assertEqual(self.keys(q="leaks"), ["alpha"])

    def test_invalid_filters_are_400_naming_the_parameter(self):
        self.assertEqual(self.json(self.url, expect=400, year_min="abc"), {"year_min": ["Enter a whole number."]})
        self.assert_bad_parameter(self.url, "year_max", year_min="2020", year_max="2021.5")
        self.assert_bad_parameter(self.url, "fault", fault="NOPE")
        self.assert_bad_parameter(self.url, "method", method="M-NOPE")
        self.assert_bad_parameter(self.url, "strength", strength="strong")
        self.assert_bad_parameter(self.url, "phase", phase="")

    def test_detail(self):
        body = self.json(reverse("api:paper-detail", args=["alpha"]))
        self.assertEqual(set(body), PAPER_FIELDS - {"mapping_count"})
        [mapping] = body["mappings"]
        self.assertEqual(set(mapping), MAPPING_FIELDS)
        self.assertEqual((mapping["uid"], mapping["fault"]["code"]), (str(self.alpha_leak.uid), "T.1-1"))
        self.assertEqual(set(self.json(reverse("api:paper-detail", args=["nope"]), expect=404)), {"detail"})

    def test_bibtex_export_of_a_filtered_list_and_of_one_paper(self):
        response = self.get(self.url, format="bibtex", ancestor="T.1", page_size=1)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/x-bibtex; charset=utf-8")
        self.assertEqual(response.content.decode(), paper_to_bibtex(self.beta) + "\n" + paper_to_bibtex(self.alpha))
        one = self.get(reverse("api:paper-detail", args=["alpha"]), format="bibtex")
        self.assertEqual(one.content.decode(), paper_to_bibtex(self.alpha))
        none = self.get(self.url, format="bibtex", fault="T-1")
        self.assertEqual((none.status_code, none.content.decode()), (200, "% No paper matches.\n"))
        bad = self.get(self.url, format="bibtex", year_min="x")
        self.assertEqual(bad.status_code, 400)
        self.assertIn("% year_min", bad.content.decode())

    def test_csv_export(self):
        response = self.get(self.url, format="csv", year_min=2020)
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        self.assertEqual([row["key"] for row in rows], ["beta", "alpha"])
        self.assertEqual(rows[1]["authors"], "Ada Lovelace; Alan Turing")
        self.assertEqual(rows[1]["mappings"], "explicit T.1-1")  # nested objects: their identifying values
        self.assertEqual(rows[1]["methods"], "M-T-GEN")

    def test_list_queries_are_fixed(self):
        # The page's count, the papers, their methods, their approved mappings with the faults: 4.
        self.assertEqual(self.query_count(self.url), 4)
        self.assertEqual(self.query_count(self.url, page_size=1), 4)
        faults = [make_fault(f"T-{n + 30}", parent=self.root) for n in range(5)]
        for n in range(15):
            paper = make_paper(f"bulk-{n}", methods=[self.fuzzing, self.testing])
            for fault in faults[: n % 5 + 1]:
                make_mapping(paper, fault, methods=[self.testing])
        self.assertEqual(self.query_count(self.url), 4)
        # + the fault's lookup and the tree, whatever the data size
        self.assertEqual(self.query_count(self.url, page_size=500, ancestor="T"), 6)
        self.assertEqual(self.query_count(self.url, format="bibtex"), 3)  # no count query


class MappingAPITests(APITestCase):
    url = reverse("api:mapping-list")

    def pairs(self, **params):
        return [(r["paper"]["key"], r["fault"]["code"]) for r in self.json(self.url, **params)["results"]]

    def test_list_shape_and_only_approved(self):
        make_mapping(self.alpha, self.uncovered, status=ReviewStatus.PENDING)
        body = self.json(self.url)
        self.assertEqual(body["count"], 2)
        self.assertEqual(set(body["results"][0]), MAPPING_FIELDS)
        self.assertEqual(set(body["results"][0]["paper"]), {"id", "url", "key", "title", "year"})
        self.assertEqual(self.pairs(), [("beta", "T.1"), ("alpha", "T.1-1")])  # tree order of the fault

    def test_filters_and_ordering(self):
        self.assertEqual(self.pairs(fault="T.1-1"), [("alpha", "T.1-1")])
        self.assertEqual(self.pairs(ancestor="T.1"), [("beta", "T.1"), ("alpha", "T.1-1")])
        self.assertEqual(self.pairs(paper="beta"), [("beta", "T.1")])
        self.assertEqual(self.pairs(strength="explicit"), [("alpha", "T.1-1")])
        self.assertEqual(self.pairs(method="M-T"), [("beta", "T.1"), ("alpha", "T.1-1")])
        self.assertEqual(self.pairs(year_min=2022), [("beta", "T.1")])
        self.assertEqual(self.pairs(q="targets T.1-1"), [("alpha", "T.1-1")])
        self.assertEqual(self.pairs(ordering="-paper__year"), [("beta", "T.1"), ("alpha", "T.1-1")])
        self.assertEqual(self.pairs(ordering="paper__year"), [("alpha", "T.1-1"), ("beta", "T.1")])
        self.assert_bad_parameter(self.url, "fault", fault="NOPE")
        self.assert_bad_parameter(self.url, "strength", strength="meh")

    def test_detail_by_uid(self):
        body = self.json(reverse("api:mapping-detail", args=[self.alpha_leak.uid]))
        self.assertEqual((body["uid"], body["strength"]), (str(self.alpha_leak.uid), Strength.EXPLICIT))
        self.json(reverse("api:mapping-detail", args=[uuid.uuid4()]), expect=404)
        self.json(reverse("api:mapping-detail", args=["not-a-uuid"]), expect=404)
        pending = make_mapping(self.beta, self.uncovered, status=ReviewStatus.PENDING)
        self.json(reverse("api:mapping-detail", args=[pending.uid]), expect=404)

    def test_list_queries_are_fixed(self):
        # The page's count, the mappings with paper and fault joined, their methods: 3.
        self.assertEqual(self.query_count(self.url), 3)
        for n in range(12):
            fault = make_fault(f"T-{n + 50}", parent=self.root)
            make_mapping(make_paper(f"m{n}"), fault, methods=[self.testing, self.fuzzing])
            make_artifact(fault)
        self.assertEqual(self.query_count(self.url), 3)
        self.assertEqual(self.query_count(self.url, page_size=500), 3)
