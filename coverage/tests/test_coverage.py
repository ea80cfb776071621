import datetime
from decimal import Decimal

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from challenges.tests.factories import make_artifact, make_interview, make_mention
from coverage import coverage, gap_analysis, snapshots, summaries
from coverage.coverage import Status
from coverage.filtersets import CoverageFaultFilterSet
from kb_site.test import KBTestCase
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import Fault, ReviewStatus, Strength
from taxonomy.tests.factories import make_fault, make_reported_figure


class SmallWorldCoverageTests(KBTestCase):
    def test_leaf_with_explicit_mapping_is_addressed(self):
        data = coverage.compute()
        self.assertEqual(data.row("T.1-1").status, Status.ADDRESSED)

    def test_leaf_with_no_mapping_is_unaddressed_and_present(self):
        data = coverage.compute()
        row = data.row("T-1")
        self.assertEqual(row.status, Status.UNADDRESSED)
        self.assertEqual((row.explicit, row.partial, row.papers), (0, 0, 0))

    def test_category_mapping_does_not_change_leaf_status(self):
        # beta maps partially to the category "memory"; memory-leak's status comes from alpha alone.
        self.alpha_leak.status = ReviewStatus.REJECTED
        self.alpha_leak.save()
        data = coverage.compute()
        self.assertEqual(data.row("T.1-1").status, Status.UNADDRESSED)
        self.assertIsNone(data.row("T.1").status)
        self.assertEqual(data.row("T.1").category_mappings_subtree, 1)
        self.assertEqual(data.row("T").category_mappings_subtree, 1)

    def test_parent_covered_only_through_child_rolls_up(self):
        data = coverage.compute()
        root = data.row("T")
        self.assertEqual(root.explicit, 0)
        self.assertEqual(root.papers, 0)
        self.assertEqual(root.papers_subtree, 2)  # alpha (leaf) + beta (category)
        self.assertEqual((root.leaves, root.leaves_addressed, root.leaves_unaddressed), (2, 1, 1))
        memory = data.row("T.1")
        self.assertEqual((memory.leaves, memory.leaves_addressed), (1, 1))

    def test_evidence_counts_and_rollups(self):
        data = coverage.compute()
        leak = data.row("T.1-1")
        self.assertEqual((leak.evidence.github, leak.evidence.stackoverflow, leak.evidence.interviews), (1, 1, 1))
        root = data.row("T")
        self.assertEqual(
            (root.evidence_subtree.github, root.evidence_subtree.stackoverflow, root.evidence_subtree.interviews),
            (2, 1, 1),
        )
        self.assertEqual(leak.challenges, 1)

    def test_summary_shares(self):
        summary = summaries.coverage_summary()
        self.assertEqual((summary.leaves.total, summary.leaves.addressed, summary.leaves.unaddressed), (2, 1, 1))
        self.assertEqual(summary.leaves.addressed_pct, Decimal("50.0"))
        # GitHub: the issue (addressed leaf) and the commit (unaddressed leaf): 1 of 2 unaddressed.
        self.assertEqual((summary.github.classified, summary.github.unaddressed), (2, 1))
        self.assertEqual(summary.github.unaddressed_pct, Decimal("50.0"))
        self.assertEqual((summary.stackoverflow.classified, summary.stackoverflow.unaddressed), (1, 0))
        self.assertEqual((summary.interviews.classified, summary.interviews.unaddressed), (1, 0))
        self.assertEqual((summary.papers, summary.mappings, summary.category_mappings), (2, 2, 1))

    def test_leaf_with_only_partial_mapping_is_partial(self):
        gamma = make_paper("gamma")
        make_mapping(gamma, self.uncovered, strength=Strength.PARTIAL)
        data = coverage.compute()
        self.assertEqual(data.row("T-1").status, Status.PARTIAL)
        summary = summaries.coverage_summary(data)
        self.assertEqual((summary.leaves.addressed, summary.leaves.partial, summary.leaves.unaddressed), (1, 1, 0))
        # The commit's leaf is now partially addressed, so no GitHub artefact is unaddressed.
        self.assertEqual(summary.github.unaddressed, 0)
        self.assertEqual(summary.github.partial, 1)

    def test_pending_and_rejected_mappings_do_not_count(self):
        for status in (ReviewStatus.PENDING, ReviewStatus.REJECTED, ReviewStatus.CHANGES_REQUESTED):
            paper = make_paper(f"p-{status}")
            make_mapping(paper, self.uncovered, status=status)
        data = coverage.compute()
        self.assertEqual(data.row("T-1").status, Status.UNADDRESSED)
        self.assertEqual(summaries.coverage_summary(data).mappings, 2)

    def test_unclassified_records_are_counted_but_not_in_denominators(self):
        make_artifact(None, url="https://github.com/o/r/issues/99")
        make_artifact(None, source="stackoverflow", url="https://stackoverflow.com/questions/99")
        make_mention(self.interview, None, tag="unplaced")
        summary = summaries.coverage_summary()
        self.assertEqual((summary.github.classified, summary.github.unclassified), (2, 1))
        self.assertEqual(summary.github.unaddressed_pct, Decimal("50.0"))
        self.assertEqual((summary.stackoverflow.classified, summary.stackoverflow.unclassified), (1, 1))
        self.assertEqual((summary.interviews.classified, summary.interviews.unclassified), (1, 1))

    def test_evidence_on_a_category_is_counted_separately(self):
        make_artifact(self.memory, url="https://github.com/o/r/issues/77")
        summary = summaries.coverage_summary()
        self.assertEqual((summary.github.classified, summary.github.on_category), (2, 1))

    def test_as_of_counts_mappings_approved_then_and_not_yet_retracted(self):
        now = timezone.now()
        self.alpha_leak.approved_at = now - datetime.timedelta(days=10)
        self.alpha_leak.save()
        self.assertEqual(coverage.compute(as_of=now - datetime.timedelta(days=20)).row("T.1-1").status, "unaddressed")
        self.assertEqual(coverage.compute(as_of=now - datetime.timedelta(days=5)).row("T.1-1").status, "addressed")
        self.alpha_leak.status = ReviewStatus.RETRACTED
        self.alpha_leak.retracted_at = now - datetime.timedelta(days=2)
        self.alpha_leak.save()
        self.assertEqual(coverage.compute(as_of=now - datetime.timedelta(days=5)).row("T.1-1").status, "addressed")
        self.assertEqual(coverage.compute(as_of=now).row("T.1-1").status, "unaddressed")
        self.assertEqual(coverage.compute().row("T.1-1").status, "unaddressed")

    def test_snapshot_is_frozen_and_recomputes_to_its_stored_figures(self):
        snapshot = snapshots.freeze("s1")
        self.assertEqual(snapshot.entries.count(), 2)
        self.assertTrue(snapshots.verify(snapshot))
        make_mapping(make_paper("gamma"), self.uncovered)
        self.assertEqual(coverage.compute().row("T-1").status, Status.ADDRESSED)
        self.assertEqual(coverage.compute(snapshot=snapshot).row("T-1").status, Status.UNADDRESSED)
        self.assertEqual(snapshot.figures["leaves"]["addressed"], 1)
        self.assertTrue(snapshots.verify(snapshot))

    def test_snapshot_diff_lists_exactly_the_change(self):
        snapshot = snapshots.freeze("s1")
        added = make_mapping(make_paper("gamma"), self.uncovered)
        result = snapshots.diff(snapshot, None)
        self.assertEqual(
            [(c.code, c.before, c.after) for c in result.status_changes], [("T-1", "unaddressed", "addressed")]
        )
        self.assertEqual([m.mapping_uid for m in result.added], [str(added.uid)])
        self.assertEqual(result.removed, [])
        changes = {f.key: (f.before, f.after) for f in result.figures}
        self.assertEqual(changes["leaves.addressed"], (1, 2))
        self.assertEqual(changes["leaves.addressed_pct"], (50.0, 100.0))
        self.assertEqual(changes["github.unaddressed"], (1, 0))

    def test_gap_map_counts_distinct_papers_per_category_and_top_method(self):
        data = coverage.compute()
        cells = {(c.category.code, c.method.code): c.papers for c in gap_analysis.gap_map(data)}
        # alpha uses a Testing subtype on a leaf under T; beta uses Testing on T.1 (under T).
        self.assertEqual(cells, {("T", "M-T"): 2})

    def test_reported_figures_sit_beside_their_computed_counterpart(self):
        make_reported_figure(computed_counterpart="leaves.addressed_pct")
        summary = summaries.coverage_summary()
        [comparison] = summaries.reported_comparison(summary)
        self.assertEqual(comparison.figure.value, Decimal("48.0"))
        self.assertEqual(comparison.computed, Decimal("50.0"))


class NinetyEightLeafWorldTests(TestCase):
    """47 addressed, 46 unaddressed, 5 partial leaves must give 48.0 / 46.9 / 5.1 (47/98, 46/98, 5/98)."""

    @classmethod
    def setUpTestData(cls):
        root = make_fault("R", kind=Fault.Kind.CATEGORY)
        leaves = [make_fault(f"R-{i}", parent=root) for i in range(98)]
        explicit, partial = make_paper("explicit-paper"), make_paper("partial-paper")
        for leaf in leaves[:47]:
            make_mapping(explicit, leaf)
        for leaf in leaves[47:52]:
            make_mapping(partial, leaf, strength=Strength.PARTIAL)
        # A category-level mapping and pending mappings to the unaddressed leaves change nothing.
        make_mapping(explicit, root)
        for leaf in leaves[52:]:
            make_mapping(partial, leaf, status=ReviewStatus.PENDING)

    def test_shares(self):
        leaves = summaries.coverage_summary().leaves
        self.assertEqual((leaves.total, leaves.addressed, leaves.unaddressed, leaves.partial), (98, 47, 46, 5))
        self.assertEqual(leaves.addressed_pct, Decimal("48.0"))
        self.assertEqual(leaves.unaddressed_pct, Decimal("46.9"))
        self.assertEqual(leaves.partial_pct, Decimal("5.1"))


class QueryBudgetTests(TestCase):
    def _world(self, n):
        root = make_fault(f"Q{n}", kind=Fault.Kind.CATEGORY)
        interview = make_interview(n)
        for i in range(n):
            leaf = make_fault(f"Q{n}-{i}", parent=root)
            paper = make_paper(f"q{n}-{i}")
            make_mapping(paper, leaf, strength=Strength.EXPLICIT if i % 2 else Strength.PARTIAL)
            make_artifact(leaf, url=f"https://github.com/o/r/issues/{n}{i}")
            make_artifact(leaf, source="stackoverflow", url=f"https://stackoverflow.com/questions/{n}{i}")
            make_mention(interview, leaf)

    def _count(self):
        with CaptureQueriesContext(connection) as ctx:
            data = coverage.compute()
            summaries.coverage_summary(data)
        return len(ctx.captured_queries), len(data.rows)

    def test_query_count_does_not_grow_with_data(self):
        self._world(3)
        small, rows_small = self._count()
        self._world(30)
        large, rows_large = self._count()
        self.assertGreater(rows_large, rows_small)
        self.assertEqual(small, large)
        self.assertLessEqual(large, 8)


class ComputedShareAndDemandByCategoryTests(KBTestCase):
    def test_computed_share_gives_numerator_and_denominator_of_a_percentage_key(self):
        summary = summaries.coverage_summary()
        self.assertEqual(summaries.computed_share(summary, "leaves.addressed_pct"), coverage.Share(1, 2))
        self.assertEqual(summaries.computed_share(summary, "leaves.unaddressed_pct"), coverage.Share(1, 2))
        # GitHub: the issue (addressed leaf) and the commit (unaddressed leaf).
        self.assertEqual(summaries.computed_share(summary, "github.unaddressed_pct"), coverage.Share(1, 2))
        self.assertEqual(summaries.computed_share(summary, "interviews.unaddressed_pct"), coverage.Share(0, 1))

    def test_computed_share_is_none_for_counts_and_unknown_keys(self):
        summary = summaries.coverage_summary()
        for key in ("papers.total", "challenges.confirmed", "leaves.total", "nothing.addressed_pct", ""):
            self.assertIsNone(summaries.computed_share(summary, key), key)

    def test_demand_gaps_are_grouped_under_their_top_level_category(self):
        data = coverage.compute()
        groups = gap_analysis.demand_gaps_by_category(data, min_evidence=1)
        # T-1 (the commit, no paper) is the only leaf with evidence and no research.
        self.assertEqual({code: [g.row.code for g in gaps] for code, gaps in groups.items()}, {"T": ["T-1"]})
        self.assertEqual(gap_analysis.demand_gaps_by_category(data), {"T": []})

    def test_demand_gaps_by_category_at_depth_one_lists_every_category_there(self):
        make_artifact(self.memory_leak, url="https://github.com/o/r/issues/5")
        self.alpha_leak.status = ReviewStatus.REJECTED
        self.alpha_leak.save()
        groups = gap_analysis.demand_gaps_by_category(coverage.compute(), depth=1, min_evidence=1)
        self.assertEqual({code: [g.row.code for g in gaps] for code, gaps in groups.items()}, {"T.1": ["T.1-1"]})


class ChallengeCatalogueTests(KBTestCase):
    def test_counts_confirmed_and_candidates_beside_the_reported_figure(self):
        from challenges.tests.factories import make_challenge

        make_challenge("theme", status="candidate")
        make_reported_figure(
            "primary-challenges", value="13", unit="count", computed_counterpart="challenges.confirmed"
        )
        make_interview(2)
        with self.assertNumQueries(3):
            catalogue = summaries.challenge_catalogue()
        self.assertEqual((catalogue.confirmed, catalogue.candidates, catalogue.interviews), (1, 1, 2))
        self.assertEqual(catalogue.reported.display_value, "13")

    def test_reported_is_none_when_the_survey_figure_is_not_stored(self):
        self.assertIsNone(summaries.challenge_catalogue().reported)


class EvidenceCountsTests(TestCase):
    def test_practitioner_evidence_counts_github_stackoverflow_and_interviews(self):
        counts = coverage.EvidenceCounts(github=3, stackoverflow=5, interviews=4)
        self.assertEqual(coverage.practitioner_evidence(counts), 12)
        self.assertEqual(counts.total, 12)


class CoverageFaultFilterSetTests(KBTestCase):
    """The fault filters that need coverage: status (T.1-1 addressed by alpha, T-1 unaddressed) and evidence
    (T.1-1 has an issue, a post and a mention; T-1 a commit; the categories nothing)."""

    def codes(self, params):
        return [f.code for f in CoverageFaultFilterSet(params, Fault.objects.all()).qs]

    def test_list_filters_by_status(self):
        self.assertEqual(self.codes({"status": "unaddressed"}), ["T-1"])
        self.assertEqual(self.codes({"status": "addressed"}), ["T.1-1"])

    def test_list_filters_by_evidence(self):
        self.assertEqual(self.codes({"evidence": "interviews"}), ["T.1-1"])
        self.assertEqual(self.codes({"evidence": "none"}), ["T", "T.1"])
        self.assertEqual(self.codes({"evidence": "github"}), ["T.1-1", "T-1"])
        self.assertEqual(self.codes({"evidence": "stackoverflow"}), ["T.1-1"])
