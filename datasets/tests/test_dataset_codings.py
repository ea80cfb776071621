"""Double coding in the dataset document (schema version 2): codings, their mappings and adjudications go through
export -> empty database -> import unchanged (history included), the public scope leaves out what is hidden,
import validates them like every table, and a version-1 file still imports.

Expected numbers come from ``../shared/survey-data/curated/dual_coding.json`` (counted in the test) plus the rows
the test adds, never from the code under test.
"""

import json
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import TestCase

from accounts.roles import make_curator
from datasets import dataset, dataset_import
from datasets.tests.test_dataset import wipe
from papers import adjudication
from papers.adjudication import CodedValues
from papers.models import Adjudication, CodedMapping, Coding, FaultMapping, Paper
from taxonomy.models import Fault, Strength

LABELS = ("papers.coding", "papers.codedmapping", "papers.adjudication", "papers.historicaladjudication")


def shipped() -> tuple[int, int, int]:
    """(codings, coded mappings, adjudicated papers) of the shipped dual-coding data."""
    dual = json.loads((settings.SURVEY_DATA_DIR / "curated" / "dual_coding.json").read_text(encoding="utf-8"))
    codings = [c for paper in dual["papers"] for c in paper["codings"]]
    done = sum(paper["adjudication"]["status"] == "done" for paper in dual["papers"])
    return len(codings), sum(len(c["mappings"]) for c in codings), done


def rows(model) -> list[tuple]:
    """Every row of ``model`` with its id and every column, users by username."""
    fields = [f.attname for f in model._meta.concrete_fields]
    result = []
    for obj in model._base_manager.order_by("pk"):
        values = [getattr(obj, name) for name in fields]
        if model is Coding:
            values += [obj.user and obj.user.username, obj.requested_by and obj.requested_by.username]
            values += [sorted(obj.methods.values_list("code", flat=True))]
        result.append(tuple(values))
    return result


class DoubleCodingDatasetTests(TestCase):
    """The shipped codings, plus: ``open_paper`` with a blind second coding asked for (open), and ``decided_paper``
    coded blind by dora and adjudicated by carla (a row with history)."""

    @classmethod
    def setUpTestData(cls):
        if not (settings.SURVEY_DATA_DIR / "curated" / "dual_coding.json").exists():
            return
        call_command("loaddata", "taxonomy", "papers", "challenges", "codings", verbosity=0)
        cls.carla = User.objects.create_user("carla", "carla@example.org", "a-long-password-1")
        cls.dora = User.objects.create_user("dora", "dora@example.org", "a-long-password-2")
        make_curator(cls.carla)
        make_curator(cls.dora)
        uncoded = Paper.objects.filter(codings__isnull=True, mappings__status="approved").distinct().order_by("key")
        cls.open_paper, cls.decided_paper = uncoded[0], uncoded[1]
        cls.open_first_size = FaultMapping.objects.approved().filter(paper=cls.open_paper).count()
        cls.decided_first_size = FaultMapping.objects.approved().filter(paper=cls.decided_paper).count()
        adjudication.request_second_coding(cls.open_paper, cls.carla)
        leaves = list(Fault.objects.filter(kind=Fault.Kind.LEAF).order_by("position")[:2])
        second = adjudication.code_blind(
            adjudication.request_second_coding(cls.decided_paper, cls.carla),
            cls.dora,
            [CodedValues(leaf, Strength.PARTIAL, "abstract", f"dora reads {leaf.code}") for leaf in leaves],
            methods=[],
            note="Coded from the abstract.",
        )
        cls.second_size = second.mappings.count()
        adjudication.adjudicate(cls.decided_paper, adjudication.REQUEST_SAMPLE, cls.carla, [], "Neither holds.")

    def setUp(self):
        if not (settings.SURVEY_DATA_DIR / "curated" / "dual_coding.json").exists():
            self.skipTest("shared/survey-data is not beside this checkout (set KB_SURVEY_DATA_DIR)")

    def test_full_backup_round_trips_every_row_and_the_history(self):
        codings, coded, decided = shipped()
        document = json.loads(json.dumps(dataset.dump(dataset.FULL)))  # exactly what a file holds
        self.assertEqual(document["schema_version"], 2)
        # Two codings per requested paper (the first, then the second: open or dora's).
        self.assertEqual(document["counts"]["papers.coding"], codings + 4)
        self.assertEqual(
            document["counts"]["papers.codedmapping"],
            coded + self.open_first_size + self.decided_first_size + self.second_size,
        )
        self.assertEqual(document["counts"]["papers.adjudication"], decided + 1)
        before = {model: rows(model) for model in (Coding, CodedMapping, Adjudication, Adjudication.history.model)}
        self.assertEqual(len(before[Adjudication.history.model]), document["counts"]["papers.historicaladjudication"])

        wipe()
        self.assertFalse(Coding.objects.exists())
        result = dataset_import.load(document)
        self.assertEqual(
            {label: result.created[label] for label in LABELS}, {label: document["counts"][label] for label in LABELS}
        )
        self.assertEqual({model: rows(model) for model in before}, before)
        self.assertEqual(Coding.objects.get(paper=self.decided_paper, round=2).user.username, "dora")
        again = dataset_import.load(document)
        self.assertFalse(again.changed)

    def test_public_scope_leaves_out_open_and_hidden_codings_and_the_users(self):
        codings, coded, decided = shipped()
        document = dataset.dump(dataset.PUBLIC)
        self.assertNotIn("papers.historicaladjudication", document["records"])
        # open_paper: its first coding is hidden while the second is open, and the open one is not submitted.
        self.assertEqual(document["counts"]["papers.coding"], codings + 2)
        self.assertEqual(document["counts"]["papers.codedmapping"], coded + self.decided_first_size + self.second_size)
        self.assertEqual(document["counts"]["papers.adjudication"], decided + 1)
        keys = {r["fields"]["paper"] for r in document["records"]["papers.coding"]}
        self.assertNotIn(self.open_paper.key, keys)
        self.assertTrue(all(r["fields"]["user"] is None for r in document["records"]["papers.coding"]))
        self.assertTrue(all(r["fields"]["submission"] is None for r in document["records"]["papers.adjudication"]))

    def test_import_validates_codings_like_every_table(self):
        document = dataset.dump(dataset.PUBLIC)
        coding = document["records"]["papers.coding"][0]
        mapping = document["records"]["papers.codedmapping"][0]
        coding["fields"]["round"] = 3
        mapping["fields"]["strength"] = "strong"
        stray = json.loads(json.dumps(mapping))
        stray["fields"].update(
            uid="00000000-0000-0000-0000-000000000001", coding="00000000-0000-0000-0000-00000000abcd"
        )
        document["records"]["papers.codedmapping"].append(stray)
        with self.assertRaises(dataset_import.DatasetInvalid) as refused:
            dataset_import.load(document)
        uid, count = coding["fields"]["uid"], len(document["records"]["papers.codedmapping"])
        self.assertEqual(
            sorted(refused.exception.problems),
            sorted(
                [
                    f"papers.coding record 1 ({UUID(uid)!r}): round: Ensure this value is less than or equal to 2.",
                    f"papers.codedmapping record 1 ({UUID(mapping['fields']['uid'])!r}): strength: "
                    "Value 'strong' is not a valid choice.",
                    f"papers.codedmapping record {count} ({UUID(int=1)!r}): papers.CodedMapping.coding: "
                    "no papers.Coding '00000000-0000-0000-0000-00000000abcd' in the file or database.",
                ]
            ),
        )
        self.assertEqual(Coding.objects.get(uid=uid).round, 1)  # nothing written

    def test_a_version_1_file_still_imports(self):
        document = json.loads(json.dumps(dataset.dump(dataset.FULL)))
        document["schema_version"] = 1
        for label in LABELS:  # version 1 had no double coding
            document["records"].pop(label)
            document["counts"].pop(label)
        wipe()
        result = dataset_import.load(document)
        self.assertEqual(result.created["papers.paper"], document["counts"]["papers.paper"])
        self.assertFalse(Coding.objects.exists())
