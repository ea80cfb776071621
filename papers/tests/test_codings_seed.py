"""The codings are part of the seed: loaded by ``seed upgrade``, added to a database already at the release, and a
curator's adjudication survives a re-run of the upgrade."""

import json
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.test import TestCase

from accounts.roles import curators_group
from datasets import seed
from papers import adjudication
from papers.adjudication import CodedValues
from papers.models import Adjudication, CodedMapping, Coding, FaultMapping, Paper
from taxonomy.models import ReviewStatus

FIXTURES = Path(settings.FIXTURE_DIRS[0])


def shipped_counts() -> tuple[int, int, int]:
    objects = json.loads((FIXTURES / "codings.json").read_text())
    models = [o["model"] for o in objects]
    return models.count("papers.coding"), models.count("papers.codedmapping"), models.count("papers.adjudication")


def counts() -> tuple[int, int, int]:
    return Coding.objects.count(), CodedMapping.objects.count(), Adjudication.objects.count()


class CodingsSeedTests(TestCase):
    """One seed upgrade for the class (each test starts from its result, rolled back between tests)."""

    @classmethod
    def setUpTestData(cls):
        seed.upgrade()

    def counts(self) -> tuple[int, int, int]:
        return counts()

    def test_the_seed_loads_the_codings(self):
        self.assertIn("codings", seed.read_shipped().fixtures)
        self.assertEqual(self.counts(), shipped_counts())
        self.assertEqual(self.counts(), (58, 112, 7))  # dual_coding.json: 29 papers x 2 codings, 7 adjudicated

    def test_an_adjudication_survives_the_upgrade_run_again(self):
        curator = User.objects.create_user("carla", "carla@example.org", "carla-long-phrase-42")
        curator.groups.add(curators_group())
        coding = Coding.objects.filter(sample="seed-1 re-coding", round=2).order_by("paper__key").first()
        paper: Paper = coding.paper
        final = [
            CodedValues(m.fault, m.strength, m.evidence_kind, m.rationale + " (adjudicated)")
            for m in coding.mappings.all()
        ]
        adjudication.adjudicate(paper, coding.sample, curator, final, "The second coding is closer to the text.")
        approved = set(
            FaultMapping.objects.approved().filter(paper=paper).values_list("fault_id", "strength", "rationale")
        )
        seed.upgrade()
        self.assertEqual(Adjudication.objects.filter(paper=paper, sample=coding.sample).count(), 1)
        self.assertEqual(
            set(FaultMapping.objects.approved().filter(paper=paper).values_list("fault_id", "strength", "rationale")),
            approved,
        )
        self.assertFalse(
            FaultMapping.objects.filter(
                paper=paper,
                status=ReviewStatus.APPROVED,
                rationale__in=[
                    m.rationale for m in Coding.objects.get(paper=paper, sample=coding.sample, round=1).mappings.all()
                ],
            ).exists()
        )


class CodingsAddedLaterTests(TestCase):
    def test_a_database_at_the_release_without_codings_gets_them(self):
        with tempfile.TemporaryDirectory() as folder:
            for path in FIXTURES.glob("*.json"):
                shutil.copy(path, folder)
            manifest = json.loads((FIXTURES / seed.MANIFEST).read_text())
            manifest["fixtures"].remove("codings")
            (Path(folder) / seed.MANIFEST).write_text(json.dumps(manifest))
            seed.upgrade(Path(folder))
        self.assertEqual(counts(), (0, 0, 0))
        seed.upgrade()
        self.assertEqual(counts(), shipped_counts())
