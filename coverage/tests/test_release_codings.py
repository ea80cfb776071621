"""A release's archive holds the double coding as it stood when its snapshot was frozen: one CSV per table
(codings, their mappings, adjudications), every column in the data dictionary, and it loads back."""

import csv
import datetime
import io
import json
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from coverage import snapshots
from coverage.tests.test_releases import publish, unzip
from kb_site.test import KBTestCase
from papers.models import Adjudication, CodedMapping, Coding

TABLES = ("papers.coding", "papers.codedmapping", "papers.adjudication")


class ReleaseCodingsTests(KBTestCase):
    """alpha: coded by E1 (T.1-1, explicit) and E2 (T-1, partial) and adjudicated before the snapshot; beta: coded
    by E3 and E4 and adjudicated after it, so not in the release."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        before, after = timezone.now() - datetime.timedelta(days=1), timezone.now() + datetime.timedelta(days=1)
        for paper, coders, when in ((cls.alpha, ("E1", "E2"), before), (cls.beta, ("E3", "E4"), after)):
            for round_, (coder, fault, strength) in enumerate(
                [(coders[0], cls.memory_leak, "explicit"), (coders[1], cls.uncovered, "partial")], start=1
            ):
                coding = Coding.objects.create(paper=paper, sample="s", round=round_, coder=coder, submitted_at=when)
                CodedMapping.objects.create(coding=coding, fault=fault, strength=strength, rationale=f"{coder} says so")
            Adjudication.objects.create(paper=paper, sample="s", decided_by="ed", decided_at=when, reason="why")
        cls.release = publish(snapshots.freeze("s1"))
        cls.files = unzip(bytes(cls.release.archive))

    def table(self, label) -> list[dict]:
        return list(csv.DictReader(io.StringIO(self.files[f"csv/{label}.csv"].decode())))

    def test_one_csv_per_table_with_the_rows_as_of_the_snapshot(self):
        self.assertEqual(
            sorted((r["paper"], r["round"], r["coder"]) for r in self.table("papers.coding")),
            [("alpha", "1", "E1"), ("alpha", "2", "E2")],
        )
        uids = {str(c.uid): c.coder for c in Coding.objects.all()}
        self.assertEqual(
            sorted(
                (uids[r["coding"]], r["fault"], r["strength"], r["rationale"])
                for r in self.table("papers.codedmapping")
            ),
            [("E1", "T.1-1", "explicit", "E1 says so"), ("E2", "T-1", "partial", "E2 says so")],
        )
        self.assertEqual([(r["paper"], r["reason"]) for r in self.table("papers.adjudication")], [("alpha", "why")])
        data = json.loads(self.files["dataset.json"])
        self.assertEqual({label: data["counts"][label] for label in TABLES}, dict(zip(TABLES, (2, 2, 1), strict=True)))
        self.assertEqual(data["schema_version"], 2)

    def test_the_data_dictionary_describes_every_new_column(self):
        rows = list(csv.DictReader(io.StringIO(self.files["data-dictionary.csv"].decode())))
        for label in TABLES:
            header = next(csv.reader(io.StringIO(self.files[f"csv/{label}.csv"].decode())))
            described = {r["column"]: r for r in rows if r["table"] == label}
            self.assertEqual(set(described), set(header), label)
            for column, row in described.items():
                # Meaning is more than the column's name (a help text or the model's docstring), and typed.
                self.assertGreater(len(row["meaning"]), len(column.replace("_", " ")) + 3, (label, column))
                self.assertTrue(row["type"], (label, column))
        by_column = {(r["table"], r["column"]): r for r in rows}
        self.assertEqual(
            (
                by_column["papers.codedmapping", "coding"]["type"],
                by_column["papers.codedmapping", "coding"]["allowed values"],
            ),
            ("reference", "papers.coding by uid"),
        )
        self.assertEqual(
            by_column["papers.codedmapping", "strength"]["allowed values"], "explicit (Explicit) | partial (Partial)"
        )
        self.assertEqual(by_column["papers.coding", "round"]["type"], "integer ≥ 0")

    def test_the_archive_loads_back_with_its_codings(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "dataset.json"
            path.write_bytes(self.files["dataset.json"])
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # fire the test transaction's deferred checks before TRUNCATE
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            call_command("flush", interactive=False, verbosity=0)
            call_command("import_dataset", str(path), stdout=io.StringIO())
        self.assertEqual(sorted(Coding.objects.values_list("paper__key", "coder")), [("alpha", "E1"), ("alpha", "E2")])
        self.assertEqual(CodedMapping.objects.count(), 2)
        self.assertEqual(list(Adjudication.objects.values_list("paper__key", flat=True)), ["alpha"])
