import datetime
from collections import Counter
from fractions import Fraction

from django.test import SimpleTestCase, TestCase
from django.utils import timezone

from coverage.agreement import agreement, cohen_kappa
from coverage.snapshots import freeze
from coverage.tests import dual_coding_counts
from kb_site.test import KBTestCase
from papers.models import Adjudication, CodedMapping, Coding
from taxonomy.models import Fault, Strength

E, P = "explicit", "partial"


class KappaTests(SimpleTestCase):
    def test_kappa_of_a_small_table_computed_by_hand(self):
        # n = 5; p_o = 4/5; first coder 4 E, 1 P; second 3 E, 2 P; p_e = 4/5*3/5 + 1/5*2/5 = 14/25
        # kappa = (20/25 - 14/25) / (1 - 14/25) = 6/11
        kappa = cohen_kappa(Counter({(E, E): 3, (E, P): 1, (P, P): 1}))
        self.assertEqual(kappa.n, 5)
        self.assertEqual(kappa.observed, Fraction(4, 5))
        self.assertEqual(kappa.expected, Fraction(14, 25))
        self.assertEqual(kappa.value, Fraction(6, 11))
        self.assertEqual(str(kappa.rounded), "0.545")

    def test_kappa_is_undefined_when_both_coders_use_one_strength(self):
        kappa = cohen_kappa(Counter({(E, E): 4}))
        self.assertEqual(kappa.expected, 1)
        self.assertIsNone(kappa.value)
        self.assertIn("p_e = 1", kappa.undefined)

    def test_kappa_is_undefined_without_shared_pairs(self):
        kappa = cohen_kappa(Counter())
        self.assertIsNone(kappa.value)
        self.assertIsNone(kappa.rounded)
        self.assertIn("no (paper, fault) pair", kappa.undefined)

    def test_total_disagreement_gives_negative_kappa(self):
        # p_o = 0, marginals 1/2 each side: p_e = 1/2, kappa = -1
        self.assertEqual(cohen_kappa(Counter({(E, P): 1, (P, E): 1})).value, -1)


def _figures(f) -> dict:
    return {
        "papers": f.papers,
        "fault_set": (f.fault_set.numerator, f.fault_set.denominator),
        "strength": (f.strength.numerator, f.strength.denominator),
        "branch": (f.branch.numerator, f.branch.denominator),
        "table": +f.confusion,
        "kappa": f.kappa.value,
    }


class ShippedDualCodingTests(TestCase):
    fixtures = ["taxonomy", "papers", "codings"]

    def setUp(self):
        if not dual_coding_counts.available():
            self.skipTest("shared/survey-data is not beside this checkout (set KB_SURVEY_DATA_DIR)")

    def test_overall_figures_equal_the_hand_count(self):
        report = agreement()
        self.assertEqual(len(report.pairs), 29)
        self.assertEqual(_figures(report.overall), dual_coding_counts.counts())

    def test_figures_per_sample_equal_the_hand_count(self):
        report = agreement()
        self.assertEqual([f.label for f in report.by_sample], ["seed-1 re-coding", "seed-2 double coding"])
        for f in report.by_sample:
            self.assertEqual(_figures(f), dual_coding_counts.counts(sample=f.label), f.label)

    def test_figures_per_coder_pair_equal_the_hand_count(self):
        report = agreement()
        self.assertEqual([f.label for f in report.by_coders], ["E1 × E2", "E3 × E4", "E3 × E5"])
        for f in report.by_coders:
            self.assertEqual(_figures(f), dual_coding_counts.counts(coders=f.label), f.label)

    def test_figures_per_top_level_category_equal_the_hand_count(self):
        report = agreement()
        codes = [f.label.split()[0] for f in report.by_category]
        self.assertEqual(codes, ["H-1", "H-3", "H-4", "H-5", "X-1", "X-2", "X-3", "X-4", "X-5"])
        for f, code in zip(report.by_category, codes, strict=True):
            self.assertEqual(_figures(f), dual_coding_counts.counts(category=code), code)
        x4 = report.by_category[codes.index("X-4")]
        self.assertEqual(x4.strength.denominator, 0)  # no pair coded by both: no kappa, said so
        self.assertIsNone(x4.kappa.value)

    def test_category_filter_restricts_every_figure(self):
        report = agreement(category=Fault.objects.get(code="H-5"))
        self.assertEqual(_figures(report.overall), dual_coding_counts.counts(category="H-5"))

    def test_adjudication_filter_keeps_pending_or_done_pairs(self):
        self.assertEqual(len(agreement(adjudication="pending").pairs), 22)
        self.assertEqual(len(agreement(adjudication="done").pairs), 7)

    def test_leaves_whose_status_depends_on_the_coding(self):
        report = agreement()
        found = {(d.fault.code, d.pair.paper.key, d.pending) for d in report.dependences}
        self.assertEqual(found, dual_coding_counts.dependent_leaves())
        self.assertEqual(
            {Fault.objects.get(pk=pk).code for pk in report.pending_leaves},
            {code for code, _paper, pending in found if pending},
        )

    def test_query_count_is_fixed(self):
        with self.assertNumQueries(7):
            agreement()


class SnapshotAgreementTests(KBTestCase):
    """A snapshot's agreement: codings submitted and adjudications decided by its freezing time."""

    def _pair(self, paper, sample, strengths, when):
        for number, (coder, strength) in enumerate(zip(("A", "B"), strengths, strict=True), start=1):
            coding = Coding.objects.create(paper=paper, sample=sample, round=number, coder=coder, submitted_at=when)
            CodedMapping.objects.create(coding=coding, fault=self.memory_leak, strength=strength, rationale="r")

    def test_snapshot_counts_what_was_there_when_frozen(self):
        past = timezone.now() - datetime.timedelta(days=1)
        self._pair(self.alpha, "s", (Strength.EXPLICIT, Strength.EXPLICIT), past)
        snapshot = freeze("before")
        self._pair(self.beta, "s", (Strength.EXPLICIT, Strength.PARTIAL), timezone.now() + datetime.timedelta(1))
        Adjudication.objects.create(
            paper=self.alpha, sample="s", decided_by="c", decided_at=timezone.now() + datetime.timedelta(1), reason="x"
        )
        live, frozen = agreement(), agreement(snapshot=snapshot)
        self.assertEqual((live.overall.strength.numerator, live.overall.strength.denominator), (1, 2))
        self.assertEqual((frozen.overall.strength.numerator, frozen.overall.strength.denominator), (1, 1))
        self.assertEqual([p.adjudicated for p in live.pairs], [True, False])
        self.assertEqual([p.adjudicated for p in frozen.pairs], [False])
        # beta's partial coding would leave memory-leak addressed through alpha: no dependence
        self.assertEqual(live.dependences, [])
