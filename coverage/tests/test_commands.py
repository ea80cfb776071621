import json
from io import StringIO

from django.core.management import call_command

from kb_site.test import KBTestCase
from taxonomy.tests.factories import make_reported_figure


class CoverageCommandTests(KBTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_reported_figure(computed_counterpart="leaves.addressed_pct")

    def test_json_output_shape(self):
        out = StringIO()
        call_command("coverage", "--json", stdout=out)
        payload = json.loads(out.getvalue())
        self.assertEqual(
            set(payload["leaves"]),
            {"total", "addressed", "partial", "unaddressed", "addressed_pct", "partial_pct", "unaddressed_pct"},
        )
        for group in ("github", "interviews", "stackoverflow"):
            self.assertLessEqual({"classified", "unclassified", "unaddressed", "unaddressed_pct"}, set(payload[group]))
        self.assertEqual(payload["leaves"]["addressed_pct"], 50.0)
        self.assertEqual(
            payload["github"],
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
        [reported] = payload["reported"]
        self.assertEqual(
            (reported["key"], reported["value"], reported["unit"]), ("faults-explicitly-addressed-pct", 48.0, "percent")
        )
        self.assertIn("Source nguyen2025", reported["source"])
        self.assertEqual(reported["computed"], 50.0)

    def test_table_shows_computed_and_reported_side_by_side(self):
        out = StringIO()
        call_command("coverage", stdout=out)
        text = out.getvalue()
        self.assertIn("Addressed                 1 / 2    50.0%", text)
        # Each reported figure says what it measures (the survey's own wording alone did not).
        self.assertIn(
            "   48.0% Leaf faults addressed (computed here: 50.0%); the survey's wording: faults [abstract]\n", text
        )

    def test_unknown_snapshot_is_a_clear_error(self):
        from django.core.management.base import CommandError

        with self.assertRaisesMessage(CommandError, "No snapshot named 'nope'"):
            call_command("coverage", "--snapshot", "nope")
