from django.db import IntegrityError, transaction

from kb_site.test import KBTestCase
from taxonomy.models import Fault, ReportedFigure
from taxonomy.tests.factories import make_fault, make_reported_figure


class FaultModelTests(KBTestCase):
    def test_fault_ids_are_unique(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_fault("T.1-1", slug="another-slug")

    def test_natural_key_and_url_use_the_stable_id(self):
        self.assertEqual(Fault.objects.get_by_natural_key("T.1-1"), self.memory_leak)
        self.assertEqual(self.memory_leak.natural_key(), ("T.1-1",))
        self.assertEqual(self.memory_leak.get_absolute_url(), "/faults/T.1-1/")

    def test_changes_are_recorded_in_history(self):
        self.memory_leak.name = "Memory leak (renamed)"
        self.memory_leak.save()
        self.assertEqual(self.memory_leak.history.count(), 2)
        self.assertEqual(self.memory_leak.history.first().name, "Memory leak (renamed)")


class ReportedFigureTests(KBTestCase):
    def test_display_value_by_unit(self):
        pct = make_reported_figure("pct", value="48.0")
        count = make_reported_figure("count", value="96", unit=ReportedFigure.Unit.COUNT)
        self.assertEqual(pct.display_value, "48.0%")
        self.assertEqual(count.display_value, "96")
