"""The synthetic benchmark data: deterministic for a seed, counts as requested, skewed, and kept apart."""

from collections import Counter
from io import StringIO

from django.core.management import CommandError, call_command

from challenges.models import Artifact, InterviewMention
from coverage import coverage
from datasets import synthetic, synthetic_plan
from kb_site.test import KBTestCase
from papers.models import FaultMapping, Paper
from taxonomy.models import Fault, Method, Source

SCALE = 0.05  # 5 papers, 25 mappings, 200 GitHub artefacts, 100 posts, 200 mentions
FAULTS = 120


def _real_rows() -> dict[str, list]:
    return {
        "faults": list(
            Fault.objects.exclude(source__key="synthetic").order_by("pk").values_list("pk", "code", "parent")
        ),
        "papers": list(Paper.objects.exclude(source__key="synthetic").order_by("pk").values_list("pk", "key")),
        "mappings": list(FaultMapping.objects.exclude(paper__source__key="synthetic").values_list("pk", "status")),
        "artifacts": list(Artifact.objects.exclude(dataset__key="synthetic").values_list("pk", "fault")),
        "mentions": list(InterviewMention.objects.exclude(interview__dataset__key="synthetic").values_list("pk")),
        "methods": list(Method.objects.exclude(code__startswith="S-M-").values_list("pk", "code")),
        "sources": list(Source.objects.exclude(key="synthetic").values_list("pk", "key")),
    }


class SyntheticDataTests(KBTestCase):
    def test_counts_are_as_requested(self):
        counts = synthetic.generate(SCALE, seed=1, faults=FAULTS)
        self.assertEqual(
            (counts.papers, counts.mappings, counts.github, counts.stackoverflow, counts.mentions),
            (5, 25, 200, 100, 200),
        )
        stored = synthetic.synthetic_counts()
        self.assertEqual(stored["faults"], FAULTS)
        self.assertEqual(
            {k: stored[k] for k in ("papers", "mappings", "github", "stackoverflow", "mentions", "leaves")},
            {
                "papers": 5,
                "mappings": 25,
                "github": 200,
                "stackoverflow": 100,
                "mentions": 200,
                "leaves": counts.leaves,
            },
        )
        self.assertEqual(stored["interviews"], counts.interviews)

    def test_per_unit_of_scale_sizes_match_the_issue(self):
        counts = synthetic_plan.planned_counts(100)
        self.assertEqual((counts.faults, counts.papers, counts.mappings), (1000, 10_000, 50_000))
        self.assertEqual(counts.github + counts.stackoverflow + counts.mentions, 1_000_000)

    def test_same_seed_same_rows_other_seed_other_rows(self):
        synthetic.generate(SCALE, seed=7, faults=FAULTS)
        first = synthetic.fingerprint()
        synthetic.clear()
        synthetic.generate(SCALE, seed=7, faults=FAULTS)
        self.assertEqual(synthetic.fingerprint(), first)
        synthetic.clear()
        synthetic.generate(SCALE, seed=8, faults=FAULTS)
        self.assertNotEqual(synthetic.fingerprint(), first)

    def test_plan_is_deterministic_without_a_database(self):
        self.assertEqual(synthetic_plan.plan(0.2, seed=3, faults=200), synthetic_plan.plan(0.2, seed=3, faults=200))

    def test_everything_generated_is_marked_synthetic(self):
        synthetic.generate(SCALE, seed=1, faults=FAULTS)
        faults = Fault.objects.filter(source__key="synthetic")
        self.assertTrue(all(code.startswith("S-") for code in faults.values_list("code", flat=True)))
        self.assertFalse(Fault.objects.filter(code__startswith="S-").exclude(source__key="synthetic").exists())
        # Benchmark rows claim none of the knowledge base's origins: the reserved source is what marks them.
        self.assertEqual(set(faults.values_list("origin", flat=True)), {""})
        self.assertEqual(set(Paper.objects.filter(source__key="synthetic").values_list("origin", flat=True)), {""})
        self.assertTrue(
            all(
                k.startswith("s-paper-")
                for k in Paper.objects.filter(source__key="synthetic").values_list("key", flat=True)
            )
        )
        self.assertFalse(
            FaultMapping.objects.filter(paper__source__key="synthetic").exclude(fault__source__key="synthetic").exists()
        )
        self.assertFalse(
            Artifact.objects.filter(dataset__key="synthetic")
            .exclude(fault__source__key="synthetic")
            .exclude(fault=None)
            .exists()
        )

    def test_generation_and_clear_leave_real_rows_untouched(self):
        before = _real_rows()
        synthetic.generate(SCALE, seed=1, faults=FAULTS)
        self.assertEqual(_real_rows(), before)
        synthetic.clear()
        self.assertEqual(_real_rows(), before)
        self.assertEqual(set(synthetic.synthetic_counts().values()), {0})
        self.assertFalse(synthetic.is_present())

    def test_evidence_is_skewed_towards_a_few_faults(self):
        synthetic.generate(1, seed=1, faults=300)
        per_fault = Counter(
            Artifact.objects.filter(dataset__key="synthetic").exclude(fault=None).values_list("fault", flat=True)
        )
        ranked = sorted(per_fault.values(), reverse=True)
        top = ranked[: max(1, len(ranked) // 20)]  # the top 5% of faults
        self.assertGreater(sum(top), sum(ranked) / 2)

    def test_coverage_computes_over_the_synthetic_taxonomy(self):
        counts = synthetic.generate(SCALE, seed=1, faults=FAULTS)
        data = coverage.compute()
        synthetic_rows = [row for row in data.rows if row.code.startswith("S-")]
        self.assertEqual(len(synthetic_rows), FAULTS)
        self.assertEqual(sum(1 for row in synthetic_rows if row.is_leaf), counts.leaves)

    def test_command_generates_refuses_to_duplicate_and_clears(self):
        out = StringIO()
        call_command(
            "generate_synthetic", scale=SCALE, faults=FAULTS, seed=2, verbosity=1, stdout=out, stderr=StringIO()
        )
        self.assertIn("5 papers", out.getvalue())
        with self.assertRaisesMessage(CommandError, "already loaded"):
            call_command("generate_synthetic", scale=SCALE, faults=FAULTS, verbosity=0)
        call_command("generate_synthetic", clear=True, verbosity=0)
        self.assertFalse(synthetic.is_present())
        with self.assertRaises(CommandError):
            call_command("generate_synthetic", verbosity=0)
