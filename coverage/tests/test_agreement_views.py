"""The agreement page and ``/api/agreement/``, ``/api/codings/`` on the shipped dual-coding data: the figures
(numerators and denominators) are checked against a count made straight from the JSON (dual_coding_counts)."""

import csv
import io
import re
from decimal import ROUND_HALF_UP, Decimal

from django.test import TestCase
from django.utils import timezone
from django.utils.html import escape

from coverage.snapshots import freeze
from coverage.tests import dual_coding_counts
from papers.models import CodedMapping, Coding, Paper
from taxonomy.models import Fault


def kappa_text(kappa) -> str:
    value = Decimal(kappa.numerator) / Decimal(kappa.denominator)
    return str(value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def share_text(pair) -> str:
    return f"{pair[0]} / {pair[1]}"


class SeededTestCase(TestCase):
    fixtures = ["taxonomy", "papers", "codings"]

    def setUp(self):
        if not dual_coding_counts.available():
            self.skipTest("shared/survey-data is not beside this checkout (set KB_SURVEY_DATA_DIR)")


class AgreementPageTests(SeededTestCase):
    url = "/agreement/"

    def test_page_shows_every_figure_with_numerator_and_denominator(self):
        html = self.client.get(self.url).content.decode()
        for scope in ({}, {"sample": "seed-1 re-coding"}, {"sample": "seed-2 double coding"}, {"coders": "E3 × E5"}):
            counts = dual_coding_counts.counts(**scope)
            for figure in ("fault_set", "strength", "branch"):
                self.assertIn(share_text(counts[figure]), html, (scope, figure))
            self.assertIn(f"κ = {kappa_text(counts['kappa'])}", html, scope)

    def test_confusion_table_holds_the_hand_counted_strength_pairs(self):
        response = self.client.get(self.url)
        table = dual_coding_counts.counts()["table"]
        rows = {strength: counts for strength, counts, _total in response.context["report"].overall.confusion_rows()}
        self.assertEqual(
            rows,
            {
                "explicit": [table[("explicit", "explicit")], table[("explicit", "partial")]],
                "partial": [table[("partial", "explicit")], table[("partial", "partial")]],
            },
        )

    def test_undefined_kappa_is_said_not_computed(self):
        # In API (H-3) every pair both coders coded is partial on both sides: p_e = 1.
        counts = dual_coding_counts.counts(category="H-3")
        self.assertIsNone(counts["kappa"])
        response = self.client.get(self.url, {"category": "H-3"})
        self.assertContains(response, "p_e = 1")
        self.assertContains(response, share_text(counts["strength"]))

    def test_disagreements_are_listed_with_both_codings_and_abstract_links(self):
        response = self.client.get(self.url)
        report = response.context["report"]
        self.assertEqual(len(report.pairs), 29)
        disagreeing = report.disagreements
        self.assertTrue(disagreeing)
        pair = disagreeing[0]
        self.assertContains(response, f'id="pair-{pair.second.uid}"')
        if pair.paper.abstract_source_url:
            self.assertContains(response, pair.paper.abstract_source_url)
        for f in pair.faults:
            for mapping in (f.first_mapping, f.second_mapping):
                if mapping is not None:
                    self.assertContains(response, escape(mapping.rationale))

    def test_page_explains_the_figures_and_formulas(self):
        response = self.client.get(self.url)
        for text in (
            "Fault-set agreement</strong> = |A ∩ B| / |A ∪ B|",
            "How they are used",
            "(p<sub>o</sub> − p<sub>e</sub>)",
        ):
            self.assertContains(response, text)

    def test_invalid_filter_is_a_400_with_the_message_on_the_field(self):
        response = self.client.get(self.url, {"category": "H-5.1"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Select a valid choice", status_code=400)

    def test_query_count_does_not_grow_with_the_data(self):
        with self.assertNumQueries(9):
            self.client.get(self.url)
        paper = Paper.objects.get(key="cockpit-2021")
        for number, coder in ((1, "X1"), (2, "X2")):
            coding = Coding.objects.create(
                paper=paper, sample="extra", round=number, coder=coder, submitted_at=timezone.now()
            )
            CodedMapping.objects.create(coding=coding, fault=Fault.objects.get(code="H-5"), strength="explicit")
        with self.assertNumQueries(9):
            response = self.client.get(self.url)
        self.assertEqual(len(response.context["report"].pairs), 30)


class AgreementAPITests(SeededTestCase):
    url = "/api/agreement/"

    def assert_figures(self, data: dict, counts: dict):
        for figure in ("fault_set", "strength", "branch"):
            self.assertEqual((data[figure]["numerator"], data[figure]["denominator"]), counts[figure], figure)
        self.assertEqual(data["papers"], counts["papers"])
        self.assertEqual(
            data["kappa"]["value"], float(kappa_text(counts["kappa"])) if counts["kappa"] is not None else None
        )
        table = {(cell["first"], cell["second"]): cell["count"] for cell in data["confusion"]}
        self.assertEqual({k: v for k, v in table.items() if v}, dict(+counts["table"]))

    def test_figures_overall_per_sample_coders_and_category(self):
        data = self.client.get(self.url).json()
        self.assert_figures(data["overall"], dual_coding_counts.counts())
        for row in data["by_sample"]:
            self.assert_figures(row, dual_coding_counts.counts(sample=row["label"]))
        for row in data["by_coders"]:
            self.assert_figures(row, dual_coding_counts.counts(coders=row["label"]))
        for row in data["by_category"]:
            self.assert_figures(row, dual_coding_counts.counts(category=row["label"].split()[0]))
        self.assertEqual(
            {(d["fault"], d["paper"], d["pending"]) for d in data["dependences"]},
            dual_coding_counts.dependent_leaves(),
        )
        self.assertEqual(len(data["pairs"]), 29)

    def test_kappa_parts_are_exact_fractions(self):
        kappa = self.client.get(self.url).json()["overall"]["kappa"]
        counts = dual_coding_counts.counts()
        same, both = counts["strength"]
        self.assertEqual(kappa["n"], both)
        self.assertEqual((kappa["p_o"]["numerator"] * both), same * kappa["p_o"]["denominator"])
        self.assertEqual(kappa["undefined"], "")

    def test_filters_are_the_page_filters(self):
        data = self.client.get(self.url, {"sample": "seed-1 re-coding"}).json()
        self.assert_figures(data["overall"], dual_coding_counts.counts(sample="seed-1 re-coding"))
        data = self.client.get(self.url, {"coder": "E5"}).json()
        self.assert_figures(data["overall"], dual_coding_counts.counts(coders="E3 × E5"))
        data = self.client.get(self.url, {"category": "H-5"}).json()
        self.assert_figures(data["overall"], dual_coding_counts.counts(category="H-5"))
        self.assertEqual(self.client.get(self.url, {"adjudication": "done"}).json()["overall"]["papers"], 7)

    def test_snapshot_parameter(self):
        freeze("seed")
        data = self.client.get(self.url, {"snapshot": "seed"}).json()
        self.assertEqual(data["snapshot"], "seed")
        self.assert_figures(data["overall"], dual_coding_counts.counts())
        response = self.client.get(self.url, {"snapshot": "nope"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("snapshot", response.json())

    def test_bad_parameters_are_400_naming_the_parameter(self):
        for params in ({"category": "H-5.1"}, {"adjudication": "maybe"}, {"category": "NOPE"}):
            response = self.client.get(self.url, params)
            self.assertEqual(response.status_code, 400, params)
            self.assertEqual(list(response.json()), list(params))

    def test_csv_has_one_row_per_scope_with_numerators_and_denominators(self):
        response = self.client.get(self.url, {"format": "csv"})
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        overall = rows[0]
        counts = dual_coding_counts.counts()
        self.assertEqual(overall["scope"], "overall")
        self.assertEqual((int(overall["fault_set_both"]), int(overall["fault_set_either"])), counts["fault_set"])
        self.assertEqual((int(overall["strength_same"]), int(overall["strength_both"])), counts["strength"])
        self.assertEqual((int(overall["branch_matched"]), int(overall["branch_all"])), counts["branch"])
        self.assertEqual(overall["kappa"], kappa_text(counts["kappa"]))
        self.assertEqual([r["scope"] for r in rows].count("sample"), 2)
        self.assertEqual([r["scope"] for r in rows].count("coders"), 3)

    def test_query_count(self):
        with self.assertNumQueries(7):
            self.client.get(self.url)


class CodingAPITests(SeededTestCase):
    url = "/api/codings/"

    def test_list_shape_and_counts(self):
        data = self.client.get(self.url, {"page_size": 500}).json()
        self.assertEqual(data["count"], 58)
        item = data["results"][0]
        self.assertEqual(
            set(item),
            {
                "uid",
                "url",
                "paper",
                "sample",
                "round",
                "coder",
                "submitted_at",
                "adjudication",
                "methods",
                "note",
                "abstract_source_url",
                "mappings",
            },
        )
        self.assertEqual(set(item["mappings"][0]), {"fault", "strength", "evidence_kind", "rationale"})
        self.assertEqual(sum(len(i["mappings"]) for i in data["results"]), 112)
        self.assertEqual(sum(i["adjudication"] == "done" for i in data["results"]), 14)

    def test_filters(self):
        self.assertEqual(self.client.get(self.url, {"coder": "E5"}).json()["count"], 6)
        self.assertEqual(self.client.get(self.url, {"sample": "seed-2 double coding"}).json()["count"], 14)
        self.assertEqual(self.client.get(self.url, {"paper": "cockpit-2021"}).json()["count"], 2)

    def test_csv_export(self):
        response = self.client.get(self.url, {"format": "csv", "coder": "E5"})
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        self.assertEqual(len(rows), 6)

    def test_an_open_blind_coding_hides_the_first_coding(self):
        paper = Paper.objects.get(key="cockpit-2021")
        first = Coding.objects.create(paper=paper, sample="s", round=1, coder="A", submitted_at=timezone.now())
        CodedMapping.objects.create(
            coding=first, fault=Fault.objects.get(code="H-5"), strength="explicit", rationale="secret"
        )
        Coding.objects.create(paper=paper, sample="s", round=2, coder="")
        self.assertEqual(self.client.get(self.url, {"sample": "s"}).json()["count"], 0)
        self.assertNotContains(self.client.get(f"/api/codings/{first.uid}/"), "secret", status_code=404)
        self.assertNotContains(self.client.get("/agreement/"), "secret")

    def test_query_count_does_not_grow_with_the_data(self):
        with self.assertNumQueries(4):  # count, codings with paper, their mappings with fault, their methods
            self.client.get(self.url, {"page_size": 10})
        with self.assertNumQueries(4):
            self.client.get(self.url, {"page_size": 50})


class ExplorerPendingMarkTests(SeededTestCase):
    def test_explorer_marks_exactly_the_leaves_whose_status_waits_for_an_adjudication(self):
        expected = {code for code, _paper, pending in dual_coding_counts.dependent_leaves() if pending}
        html = self.client.get("/faults/").content.decode()
        rows = re.findall(r'<tr id="([^"]+)" class="tree-row(.*?)</tr>', html, flags=re.S)
        marked = {code for code, row in rows if "status depends on a pending adjudication" in row}
        self.assertTrue(expected)
        self.assertEqual(marked, expected)
