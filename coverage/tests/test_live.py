"""The live coverage read piece by piece: the same figures as the whole computation, without reading all of it."""

from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coverage import coverage
from coverage.live import live
from kb_site.test import KBTestCase
from kb_site.ui import fault_options
from papers.tests.factories import make_mapping, make_paper
from taxonomy.tree import build_tree


class OutlineTests(KBTestCase):
    def test_outline_has_the_trees_shape_and_the_computed_statuses(self):
        data = coverage.compute()
        outline = live().outline
        self.assertEqual([node.code for node in outline.nodes], ["T", "T.1", "T.1-1", "T-1"])
        self.assertEqual(
            {node.code: node.status for node in outline.nodes},
            {"T": None, "T.1": None, "T.1-1": coverage.Status.ADDRESSED, "T-1": coverage.Status.UNADDRESSED},
        )
        for node in data.tree:
            code = node.fault.code
            self.assertEqual([n.code for n in outline.ancestors(code)], [a.fault.code for a in node.ancestors])
            self.assertEqual([n.code for n in outline.children(code)], [c.fault.code for c in node.children])
            self.assertEqual([n.pk for n in outline.subtree(code)], node.descendant_ids())
        self.assertEqual(outline.options, fault_options(data.tree))
        self.assertEqual(outline.ids_with_status("unaddressed"), [self.uncovered.pk])

    def test_fault_choices_need_only_the_tree_when_nothing_is_cached(self):
        with self.assertNumQueries(1):
            choices = live().fault_choices()
        self.assertEqual(choices, fault_options(build_tree()))

    def test_rows_are_the_computations_rows(self):
        data = coverage.compute()
        rows = live().rows([self.uncovered.pk, self.root.pk, 10**9])
        self.assertEqual(list(rows), [self.uncovered.pk, self.root.pk])  # an unknown id is left out
        self.assertEqual(rows[self.root.pk], data.row("T"))
        self.assertEqual(rows[self.uncovered.pk], data.row("T-1"))


@override_settings(KB_COVERAGE_CACHE=True)
class CachedPiecesTests(KBTestCase):
    def setUp(self):
        cache.clear()

    def test_a_warm_read_runs_no_query_and_never_reads_the_whole_computation(self):
        live().rows([self.root.pk])  # fills every piece of this data version
        live().summary()
        reader = live()
        with CaptureQueriesContext(connection) as ctx:
            rows = reader.rows([self.memory.pk, self.memory_leak.pk])
            reader.summary()
        self.assertEqual(len(ctx.captured_queries), 0)
        self.assertNotIn("data", reader.__dict__, "the whole computation was read")
        self.assertEqual(rows[self.memory.pk].papers_subtree, 2)
        self.assertEqual(rows[self.memory_leak.pk].explicit, 1)

    def test_pieces_follow_a_change(self):
        self.assertEqual(live().outline.node("T-1").status, coverage.Status.UNADDRESSED)
        with self.captureOnCommitCallbacks(execute=True):
            make_mapping(make_paper("gamma"), self.uncovered)
        reader = live()
        self.assertEqual(reader.outline.node("T-1").status, coverage.Status.ADDRESSED)
        self.assertEqual(reader.rows([self.uncovered.pk])[self.uncovered.pk].explicit, 1)

    @override_settings(KB_PAGE_CACHE_VIEWS=frozenset())  # the view itself, not the page cache's stored answer
    def test_a_warm_fault_page_reads_only_its_rows(self):
        url = reverse("coverage:fault-detail", args=["T.1"])
        self.client.get(url)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([row.code for row in response.context["ancestors"]], ["T"])
        self.assertEqual([row.code for row in response.context["children"]], ["T.1-1"])
        self.assertEqual(response.context["row"].papers_subtree, 2)
