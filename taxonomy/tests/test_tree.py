from kb_site.test import KBTestCase
from taxonomy.filtersets import FaultFilterSet
from taxonomy.models import Fault
from taxonomy.tree import build_tree


class TreeTests(KBTestCase):
    def test_tree_loads_in_one_query_and_links_nodes(self):
        with self.assertNumQueries(1):
            tree = build_tree()
        self.assertEqual([n.fault.code for n in tree], ["T", "T.1", "T.1-1", "T-1"])
        leak = tree.node("T.1-1")
        self.assertEqual([a.fault.code for a in leak.ancestors], ["T", "T.1"])
        self.assertEqual(leak.depth, 2)
        self.assertEqual(sorted(tree.subtree_ids("T.1")), sorted([self.memory.pk, self.memory_leak.pk]))
        self.assertEqual([n.fault.code for n in tree.leaves()], ["T.1-1", "T-1"])


class FaultFilterSetTests(KBTestCase):
    def codes(self, params):
        return [f.code for f in FaultFilterSet(params, Fault.objects.all()).qs]

    def test_list_filters_by_ancestor(self):
        self.assertEqual(self.codes({"ancestor": "T.1"}), ["T.1", "T.1-1"])

    def test_unknown_fault_id_is_a_field_error(self):
        filterset = FaultFilterSet({"ancestor": "NOPE"}, Fault.objects.all())
        self.assertFalse(filterset.is_valid())
        self.assertIn("ancestor", filterset.errors)
