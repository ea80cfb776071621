"""Seed releases: `make data` never overwrites curation; a release-1 database takes release 2 by a three-way merge.

Expected numbers come from ../shared/survey-data (read here, independently of the code under test): papers,
mappings and related references per ``seed_release``, the release dates in ``meta.seed_releases``, and leaf statuses
recomputed by the coverage rule of the data README.
"""

import json
import re
import shutil
import tempfile
from collections import Counter
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import SimpleTestCase, TestCase
from django.utils import timezone

from coverage import snapshots
from coverage.models import Snapshot
from datasets.models import SeedRecord, SeedRelease
from papers.models import FaultMapping, Paper, RelatedReference, Submission
from taxonomy.models import Fault

SURVEY = Path(settings.SURVEY_DATA_DIR)
HAS_SURVEY_DATA = (SURVEY / "curated" / "papers.json").exists()
SKIP_REASON = "needs ../shared/survey-data (KB_SURVEY_DATA_DIR) to build seed release 1"

EDITED_DEFINITION = "Edited by a curator of this knowledge base."


def curated() -> dict:
    return json.loads((SURVEY / "curated" / "papers.json").read_text(encoding="utf-8"))


def papers_up_to(release: int) -> list[dict]:
    return [p for p in curated()["papers"] if p["seed_release"] <= release]


def mappings_up_to(release: int) -> list[tuple[str, str, str]]:
    return [(p["id"], m["fault_id"], m["strength"]) for p in papers_up_to(release) for m in p["mappings"]]


def release_dates() -> dict[int, str]:
    return {
        int(n): re.match(r"(\d{4}-\d{2}-\d{2})", text).group(1)
        for n, text in curated()["meta"]["seed_releases"].items()
    }


def leaf_statuses(mappings: list[tuple[str, str, str]]) -> Counter:
    """The data README's rule over the leaves of taxonomy.csv and the extension nodes."""
    with (SURVEY / "humbatova2020" / "taxonomy.csv").open(encoding="utf-8") as handle:
        leaves = {line.split(",")[0] for line in handle if ",leaf," in line}
    leaves |= {n["id"] for n in curated()["extension_nodes"] if n["kind"] == "leaf"}
    strengths: dict[str, set] = {}
    for _, fault, strength in mappings:
        strengths.setdefault(fault, set()).add(strength)
    return Counter(
        "addressed" if "explicit" in strengths.get(leaf, ()) else "partial" if strengths.get(leaf) else "unaddressed"
        for leaf in leaves
    )


def make_data() -> str:
    """What `make data` runs: migrate, then seed upgrade."""
    call_command("migrate", interactive=False, verbosity=0)
    out = StringIO()
    call_command("seed", "upgrade", stdout=out)
    return out.getvalue()


def seed(*args) -> str:
    out = StringIO()
    call_command("seed", *args, stdout=out)
    return out.getvalue()


class Curation:
    """A curator's and a researcher's work on seeded data: a retraction, an edit, an approval and a submission."""

    def __init__(self, retracted_uid, edited_fault: str, edited_paper: str):
        now = timezone.now()
        self.curator = User.objects.create_user("cora", is_staff=True)
        self.researcher = User.objects.create_user("remy")
        retracted = FaultMapping.objects.get(uid=retracted_uid)
        retracted.status, retracted.retracted_at = "retracted", now
        retracted._change_reason = "not supported by the abstract"
        retracted.save()
        self.retracted = retracted.pk
        fault = Fault.objects.get(code=edited_fault)
        fault.definition = EDITED_DEFINITION
        fault.save()
        paper = Paper.objects.get(key=edited_paper)
        paper.venue = "Curated venue"
        paper.save()
        leaf = Fault.objects.get(code="H-1.2.3-1")
        # A researcher's submission a curator approved: a local paper and mapping.
        approved_paper = Paper.objects.create(
            key="local-approved", title="A local technique", year=2026, origin="submission", status="approved"
        )
        approved = Submission.objects.create(
            submitter=self.researcher,
            paper=approved_paper,
            creates_paper=True,
            status="approved",
            reviewed_by=self.curator,
            reviewed_at=now,
        )
        self.approved_mapping = FaultMapping.objects.create(
            paper=approved_paper,
            fault=leaf,
            strength="explicit",
            status="approved",
            submission=approved,
            submitted_by=self.researcher,
            curated_by="cora",
            approved_at=now,
            rationale="Names the fault.",
        ).pk
        # A researcher's submission still waiting for review.
        pending_paper = Paper.objects.create(
            key="local-pending",
            title="A pending technique",
            year=2026,
            origin="submission",
            status="pending",
            submitted_by=self.researcher,
        )
        self.submission = Submission.objects.create(
            submitter=self.researcher, paper=pending_paper, creates_paper=True, status="pending"
        ).pk
        FaultMapping.objects.create(
            paper=pending_paper,
            fault=leaf,
            strength="partial",
            status="pending",
            submission_id=self.submission,
            submitted_by=self.researcher,
            rationale="Might help.",
        )
        self.edited_fault, self.edited_paper = edited_fault, edited_paper

    def assert_intact(self, test: TestCase) -> None:
        retracted = FaultMapping.objects.get(pk=self.retracted)
        test.assertEqual(retracted.status, "retracted")
        test.assertIsNotNone(retracted.retracted_at)
        test.assertEqual(Fault.objects.get(code=self.edited_fault).definition, EDITED_DEFINITION)
        test.assertEqual(Paper.objects.get(key=self.edited_paper).venue, "Curated venue")
        test.assertEqual(FaultMapping.objects.get(pk=self.approved_mapping).status, "approved")
        test.assertEqual(Paper.objects.get(key="local-approved").status, "approved")
        test.assertEqual(Submission.objects.get(pk=self.submission).status, "pending")
        test.assertEqual(Paper.objects.get(key="local-pending").status, "pending")


def first_mapping_uid(release: int):
    paper = papers_up_to(release)[0]
    return FaultMapping.objects.get(paper__key=paper["id"], fault__code=paper["mappings"][0]["fault_id"]).uid


class FreshDatabaseTests(TestCase):
    """`make data` on an empty database, then again on the same database after curation."""

    @classmethod
    def setUpTestData(cls):
        if HAS_SURVEY_DATA:
            cls.first_output = make_data()

    def setUp(self):
        if not HAS_SURVEY_DATA:
            self.skipTest(SKIP_REASON)

    def test_an_empty_database_gets_every_release_with_its_snapshot(self):
        self.assertIn("Seed release 2: did add", self.first_output)
        self.assertEqual(Paper.objects.count(), len(papers_up_to(2)))
        self.assertEqual(FaultMapping.objects.approved().count(), len(mappings_up_to(2)))
        self.assertEqual(
            RelatedReference.objects.count(), sum(1 for r in curated()["related_references"] if r["seed_release"] <= 2)
        )
        self.assertEqual(list(SeedRelease.objects.values_list("number", "adopted")), [(1, False), (2, False)])
        self.assertEqual(Snapshot.objects.get(name="seed").entries.count(), len(mappings_up_to(1)))
        self.assertEqual(Snapshot.objects.get(name="seed-2").entries.count(), len(mappings_up_to(2)))
        self.assertEqual(
            Paper.history.filter(history_change_reason="seed release 2").count(),
            len(papers_up_to(2)) - len(papers_up_to(1)),
        )

    def test_figures_equal_the_coverage_command_and_an_independent_count(self):
        out = StringIO()
        call_command("coverage", json=True, stdout=out)
        live = json.loads(out.getvalue())
        expected = leaf_statuses(mappings_up_to(2))
        self.assertEqual(
            (live["leaves"]["addressed"], live["leaves"]["partial"], live["leaves"]["unaddressed"]),
            (expected["addressed"], expected["partial"], expected["unaddressed"]),
        )
        self.assertEqual(
            (live["papers"]["total"], live["papers"]["mappings"]), (len(papers_up_to(2)), len(mappings_up_to(2)))
        )
        seed2 = Snapshot.objects.get(name="seed-2")
        self.assertEqual(seed2.figures["leaves"], live["leaves"])
        first = Snapshot.objects.get(name="seed")
        r1 = leaf_statuses(mappings_up_to(1))
        self.assertEqual(
            (first.figures["leaves"]["addressed"], first.figures["leaves"]["partial"]), (r1["addressed"], r1["partial"])
        )
        self.assertTrue(snapshots.verify(first))
        self.assertTrue(snapshots.verify(seed2))

    def test_seeded_mappings_are_approved_on_their_release_date(self):
        dates = release_dates()
        by_day = Counter(d.date().isoformat() for d in FaultMapping.objects.values_list("approved_at", flat=True))
        self.assertEqual(
            by_day,
            {dates[1]: len(mappings_up_to(1)), dates[2]: len(mappings_up_to(2)) - len(mappings_up_to(1))},
        )

    def test_make_data_again_keeps_every_curation(self):
        work = Curation(first_mapping_uid(2), edited_fault="H-1.1-1", edited_paper=papers_up_to(2)[-1]["id"])
        output = make_data()
        self.assertIn("Nothing to change", output)
        work.assert_intact(self)
        self.assertEqual(SeedRelease.objects.count(), 2)

    def test_the_release_diff_page_lists_what_release_2_added(self):
        response = self.client.get("/snapshots/diff/?before=seed&after=seed-2")
        self.assertEqual(response.status_code, 200)
        added = len(mappings_up_to(2)) - len(mappings_up_to(1))
        self.assertContains(response, f"Mappings added ({added})")


class ReleaseOneUpgradeTests(TestCase):
    """A database loaded from release 1 as `make data` did before releases existed, then curated locally."""

    @classmethod
    def setUpTestData(cls):
        if not HAS_SURVEY_DATA:
            return
        cls.release1 = tempfile.mkdtemp()
        call_command("build_fixtures", data_dir=str(SURVEY), out_dir=cls.release1, release=1, stdout=StringIO())
        names = json.loads((Path(cls.release1) / "seed-release.json").read_text())["fixtures"]
        call_command("loaddata", *[str(Path(cls.release1) / f"{n}.json") for n in names], verbosity=0)
        call_command("snapshot", "create", "seed", stdout=StringIO())
        cls.seed_before = Snapshot.objects.get(name="seed")
        cls.seed_entries = list(cls.seed_before.entries.order_by("mapping_uid").values())
        r1 = papers_up_to(1)
        cls.work = Curation(first_mapping_uid(1), edited_fault="H-1.1-1", edited_paper=r1[1]["id"])

    @classmethod
    def tearDownClass(cls):
        if HAS_SURVEY_DATA:
            shutil.rmtree(cls.release1, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        if not HAS_SURVEY_DATA:
            self.skipTest(SKIP_REASON)

    def test_upgrade_adds_release_2_and_keeps_local_curation(self):
        output = seed("upgrade")
        self.assertIn("take the existing data as seed release 1", output)
        self.assertIn("Seed release 2: did add", output)
        self.work.assert_intact(self)
        seeded = {p["id"] for p in papers_up_to(2)}
        self.assertEqual(set(Paper.objects.exclude(origin="submission").values_list("key", flat=True)), seeded)
        self.assertEqual(Paper.objects.filter(key__in=["local-approved", "local-pending"]).count(), 2)
        seeded_mappings = FaultMapping.objects.filter(paper__key__in=seeded)
        self.assertEqual(seeded_mappings.count(), len(mappings_up_to(2)))
        # Every seeded mapping is approved except the one retracted here.
        self.assertEqual(
            Counter(seeded_mappings.values_list("status", flat=True)),
            {"approved": len(mappings_up_to(2)) - 1, "retracted": 1},
        )
        self.assertEqual(SeedRecord.objects.filter(model="papers.paper").count(), len(papers_up_to(2)))

        self.assertIn("Nothing to change", seed("upgrade"))
        seed_after = Snapshot.objects.get(name="seed")
        self.assertEqual(seed_after, self.seed_before)
        self.assertEqual(seed_after.figures, self.seed_before.figures)
        self.assertEqual(list(seed_after.entries.order_by("mapping_uid").values()), self.seed_entries)
        r1 = leaf_statuses(mappings_up_to(1))
        self.assertEqual(seed_after.figures["leaves"]["addressed"], r1["addressed"])
        self.assertTrue(snapshots.verify(seed_after))
        self.assertTrue(Snapshot.objects.filter(name="seed-2").exists())

    def test_dry_run_and_status_write_nothing(self):
        papers = Paper.objects.count()
        self.assertIn("Seed release 2: would add", seed("upgrade", "--dry-run"))
        self.assertIn("Database: no seed release recorded. Shipped fixtures: seed release 2.", seed("status"))
        self.assertEqual(Paper.objects.count(), papers)
        self.assertFalse(SeedRelease.objects.exists())
        self.assertFalse(Snapshot.objects.filter(name="seed-2").exists())


class RecordedReleaseMergeTests(TestCase):
    """A database seeded with release 1 by `seed upgrade` (so each row's seeded version is known), curated, then
    given a release 2 that also changed two release-1 records: one curated here, one not."""

    @classmethod
    def setUpTestData(cls):
        if not HAS_SURVEY_DATA:
            return
        release1 = tempfile.mkdtemp()
        call_command("build_fixtures", data_dir=str(SURVEY), out_dir=release1, release=1, stdout=StringIO())
        seed("upgrade", "--fixture-dir", release1)
        shutil.rmtree(release1, ignore_errors=True)
        cls.work = Curation(first_mapping_uid(1), edited_fault="H-1.1-1", edited_paper=papers_up_to(1)[1]["id"])

    def setUp(self):
        if not HAS_SURVEY_DATA:
            self.skipTest(SKIP_REASON)

    def test_conflicts_are_listed_with_both_values_and_untouched_records_follow_upstream(self):
        upstream = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, upstream, True)
        for path in Path(settings.FIXTURE_DIRS[0]).glob("*.json"):
            shutil.copy(path, upstream)
        taxonomy = json.loads((upstream / "taxonomy.json").read_text())
        for obj in taxonomy:
            if obj["model"] == "taxonomy.fault" and obj["fields"]["code"] == "H-1.1-1":
                obj["fields"]["definition"] = "Upstream rewrote this definition."
            if obj["model"] == "taxonomy.fault" and obj["fields"]["code"] == "H-1.1-2":
                obj["fields"]["definition"] = "Upstream improved this one."
        (upstream / "taxonomy.json").write_text(json.dumps(taxonomy))

        output = seed("upgrade", "--fixture-dir", str(upstream))
        self.assertIn(
            'taxonomy.fault ["H-1.1-1"] definition: upstream "Upstream rewrote this definition.", '
            f'local "{EDITED_DEFINITION}"',
            output,
        )
        self.assertIn("1 conflicts (local value kept)", output)
        self.assertIn('update taxonomy.fault ["H-1.1-2"]: definition', output)
        self.work.assert_intact(self)
        self.assertEqual(
            FaultMapping.objects.approved().filter(paper__origin__in=["survey-reference-list", "kb-curation"]).count(),
            len(mappings_up_to(2)) - 1,
        )
        improved = Fault.objects.get(code="H-1.1-2")
        self.assertEqual(improved.definition, "Upstream improved this one.")
        self.assertEqual(improved.history.first().history_change_reason, "seed release 2")
        self.assertEqual(len(SeedRelease.objects.get(number=2).conflicts), 1)
        self.assertIn("Nothing to change", seed("upgrade", "--fixture-dir", str(upstream)))


class StartCommandsTests(SimpleTestCase):
    """`make data` (so `make run`) and the compose start run exactly the sequence the tests above call."""

    def manage_commands(self, text: str) -> list[str]:
        return [m.group(1).strip() for m in re.finditer(r"manage\.py ([a-z_ ]+?)(?: --|\s*&&|\s*$)", text, re.M)]

    def test_make_data_migrates_then_upgrades_the_seed(self):
        makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
        target = re.search(r"^data:.*?\n((?:\t.*\n)+)", makefile, re.M).group(1)
        # The classifier is trained only when its file is missing (--if-missing): it never touches the database;
        # the search index is derived from the data and rebuilt only when the data changed (--if-stale).
        self.assertEqual(self.manage_commands(target), ["migrate", "seed upgrade", "train_classifier", "search_index"])
        self.assertIn("train_classifier --if-missing", target)
        self.assertIn("search_index --if-stale", target)

    def test_the_compose_start_never_loads_fixtures_over_data(self):
        compose = (Path(settings.BASE_DIR) / "docker-compose.yml").read_text()
        self.assertEqual(
            self.manage_commands(compose),
            ["migrate", "seed upgrade", "train_classifier", "search_index", "collectstatic"],
        )
        self.assertIn("train_classifier --if-missing", compose)
        self.assertIn("search_index --if-stale", compose)
        self.assertNotIn("loaddata", compose)


class LocalRowInTheWayTests(TestCase):
    """A researcher submitted a paper of release 2 (same DOI, another key) before the knowledge base took release 2."""

    @classmethod
    def setUpTestData(cls):
        if not HAS_SURVEY_DATA:
            return
        release1 = tempfile.mkdtemp()
        call_command("build_fixtures", data_dir=str(SURVEY), out_dir=release1, release=1, stdout=StringIO())
        seed("upgrade", "--fixture-dir", release1)
        shutil.rmtree(release1, ignore_errors=True)
        cls.upstream = next(p for p in papers_up_to(2) if p["seed_release"] == 2 and p["doi"])
        Paper.objects.create(
            key="submitted-first",
            title=cls.upstream["title"],
            doi=cls.upstream["doi"],
            origin="submission",
            status="approved",
        )

    def setUp(self):
        if not HAS_SURVEY_DATA:
            self.skipTest(SKIP_REASON)

    def test_the_local_paper_stays_and_the_clash_is_reported_on_every_run(self):
        output = seed("upgrade")
        self.assertIn(f'papers.paper ["{self.upstream["id"]}"] (new record): upstream "not added"', output)
        self.assertEqual(
            list(Paper.objects.filter(doi=self.upstream["doi"]).values_list("key", flat=True)), ["submitted-first"]
        )
        seeded = {p["id"] for p in papers_up_to(2)} - {self.upstream["id"]}
        self.assertEqual(Paper.objects.filter(key__in=seeded).count(), len(papers_up_to(2)) - 1)
        self.assertEqual(
            FaultMapping.objects.filter(paper__key__in=seeded).count(),
            len(mappings_up_to(2)) - len(self.upstream["mappings"]),
        )
        conflicts = SeedRelease.objects.get(number=2).conflicts
        self.assertEqual(len(conflicts), 1 + len(self.upstream["mappings"]))  # the paper and each of its mappings

        again = seed("upgrade")
        self.assertIn("Nothing to change", again)
        self.assertIn(f"Still left for a curator ({1 + len(self.upstream['mappings'])})", again)
        self.assertEqual(SeedRelease.objects.get(number=2).conflicts, conflicts)
