"""The committed fixtures load, and their counts equal the source files (read independently here)."""

import csv
import json
import tempfile
from collections import Counter
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import TestCase

from challenges.models import Artifact, Challenge, ChallengeFault, ChallengePassage, Interview, InterviewMention
from coverage import summaries
from papers.models import FaultMapping, Paper, RelatedReference
from taxonomy.models import Fault, Method, ReportedFigure, Source

FIXTURES = Path(settings.FIXTURE_DIRS[0])
LEAF_COUNTS = Path(__file__).parent / "data" / "leaf_counts_check.csv"


def _raw(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


class FixtureCountTests(TestCase):
    fixtures = ["taxonomy", "papers", "challenges"]

    def test_taxonomy_counts(self):
        counts = Counter(Fault.objects.values_list("origin", "kind"))
        self.assertEqual(counts[("humbatova2020", "leaf")], 89)
        self.assertEqual(counts[("humbatova2020", "category")], 24)
        self.assertEqual(counts[("kb-extension", "category")], 5)
        self.assertEqual(counts[("kb-extension", "leaf")], 14)
        self.assertEqual(Fault.objects.filter(parent__isnull=True).count(), 10)  # 5 Humbatova + 5 extension roots
        self.assertTrue(Fault.objects.filter(code="H-1.2.3-1").exists())

    def test_every_record_carries_its_source(self):
        self.assertFalse(Fault.objects.filter(source__isnull=True).exists())
        self.assertFalse(Paper.objects.filter(source__isnull=True).exists())
        self.assertEqual(Source.objects.get(key="humbatova2020").licence, "CC BY 4.0")

    def test_evidence_counts(self):
        self.assertEqual(Artifact.objects.count(), 158)
        self.assertEqual(Artifact.objects.filter(fault__isnull=False).count(), 149)
        self.assertEqual(Artifact.objects.filter(fault__isnull=True).count(), 9)
        kinds = Counter(Artifact.objects.values_list("source", "kind"))
        self.assertEqual(kinds, {("stackoverflow", "post"): 99, ("github", "commit"): 37, ("github", "issue"): 22})
        self.assertEqual(Interview.objects.count(), 20)
        self.assertEqual(InterviewMention.objects.count(), 226)
        self.assertEqual(InterviewMention.objects.filter(fault__isnull=True).count(), 2)
        self.assertEqual(
            set(InterviewMention.objects.filter(fault__isnull=True).values_list("tag", flat=True)),
            {"wrong calculation of the gradients for backpropagation", "wrongly implemented back propagation"},
        )

    def test_per_leaf_counts_equal_the_check_file(self):
        faults = Fault.objects.annotate(
            so=Count("artifacts", filter=Q(artifacts__source="stackoverflow"), distinct=True),
            commits=Count("artifacts", filter=Q(artifacts__kind="commit"), distinct=True),
            issues=Count("artifacts", filter=Q(artifacts__kind="issue"), distinct=True),
            mentions=Count("interview_mentions", distinct=True),
            interviews=Count("interview_mentions__interview", distinct=True),
        )
        by_code = {f.code: f for f in faults}
        with LEAF_COUNTS.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        self.assertEqual(len(rows), 91)
        for row in rows:
            if row["leaf_id"] == "H-unplaced":
                # Interview tags with no known place in the taxonomy stay unclassified.
                unplaced = InterviewMention.objects.filter(tag=row["leaf"], fault__isnull=True)
                self.assertEqual(unplaced.count(), int(row["interview_mentions"]))
                continue
            fault = by_code[row["leaf_id"]]
            with self.subTest(leaf=row["leaf_id"]):
                self.assertEqual(fault.name, row["leaf"])
                self.assertEqual(fault.so, int(row["so_posts"]))
                self.assertEqual(fault.commits, int(row["github_commits"]))
                self.assertEqual(fault.issues, int(row["github_issues"]))
                self.assertEqual(fault.mentions, int(row["interview_mentions"]))
                self.assertEqual(fault.interviews, int(row["interviews_mentioning"]))

    def test_papers_mappings_and_references(self):
        # Seed release 2 (survey-data/curated/README.md): 69 + 57 papers, 134 + 103 mappings, 49 + 12 references.
        self.assertEqual(Paper.objects.count(), 126)
        self.assertEqual(Paper.objects.filter(origin="survey-reference-list").count(), 49)
        self.assertEqual(Paper.objects.filter(origin="kb-curation").count(), 20 + 57)
        self.assertEqual(FaultMapping.objects.approved().count(), 237)
        self.assertEqual(FaultMapping.objects.filter(strength="explicit").count(), 149)
        self.assertEqual(FaultMapping.objects.filter(strength="partial").count(), 88)
        self.assertEqual(RelatedReference.objects.count(), 61)
        self.assertEqual(Method.objects.filter(parent__isnull=True).count(), 3)

    def test_reported_figures_and_challenges(self):
        self.assertEqual(ReportedFigure.objects.count(), 6)
        self.assertEqual(
            {f.key: f.display_value for f in ReportedFigure.objects.all()},
            {
                "faults-explicitly-addressed-pct": "48.0%",
                "faults-unresolved-or-unmentioned-pct": "46.9%",
                "github-issues-unaddressed-pct": "52.6%",
                "interview-problems-unaddressed-pct": "70.3%",
                "surveyed-papers": "96",
                "primary-challenges": "13",
            },
        )
        self.assertEqual(Challenge.objects.confirmed().count(), 7)
        self.assertEqual(Challenge.objects.filter(status="candidate").count(), 11)
        self.assertEqual(ChallengePassage.objects.count(), 88)
        self.assertGreater(ChallengeFault.objects.count(), 0)

    def test_reloading_updates_instead_of_duplicating(self):
        call_command("loaddata", "taxonomy", "papers", "challenges", verbosity=0)
        self.assertEqual(Fault.objects.count(), 132)
        self.assertEqual(FaultMapping.objects.count(), 237)
        self.assertEqual(InterviewMention.objects.count(), 226)

    def test_coverage_of_the_real_data_matches_an_independent_count(self):
        """Leaf statuses recomputed here straight from the fixture JSON, by the rule in the data README."""
        faults = [o["fields"] for o in _raw("taxonomy") if o["model"] == "taxonomy.fault"]
        leaves = {f["code"] for f in faults if f["kind"] == "leaf"}
        strengths = {}
        for obj in _raw("papers"):
            if obj["model"] == "papers.faultmapping" and obj["fields"]["status"] == "approved":
                code = obj["fields"]["fault"][0]
                strengths.setdefault(code, set()).add(obj["fields"]["strength"])
        status = {
            code: "addressed"
            if "explicit" in strengths.get(code, ())
            else "partial"
            if "partial" in strengths.get(code, ())
            else "unaddressed"
            for code in leaves
        }
        expected = Counter(status.values())
        summary = summaries.coverage_summary()
        self.assertEqual(summary.leaves.total, len(leaves))
        self.assertEqual(summary.leaves.addressed, expected["addressed"])
        self.assertEqual(summary.leaves.partial, expected["partial"])
        self.assertEqual(summary.leaves.unaddressed, expected["unaddressed"])

        evidence = [o["fields"] for o in _raw("challenges") if o["model"] == "challenges.artifact"]
        github = [e for e in evidence if e["source"] == "github" and e["fault"]]
        github_unaddressed = sum(1 for e in github if status[e["fault"][0]] == "unaddressed")
        self.assertEqual((summary.github.classified, summary.github.unaddressed), (len(github), github_unaddressed))
        self.assertEqual(
            summary.github.unclassified, sum(1 for e in evidence if e["source"] == "github" and not e["fault"])
        )
        mentions = [o["fields"] for o in _raw("challenges") if o["model"] == "challenges.interviewmention"]
        classified = [m for m in mentions if m["fault"]]
        self.assertEqual(summary.interviews.classified, 224)
        self.assertEqual(
            summary.interviews.unaddressed, sum(1 for m in classified if status[m["fault"][0]] == "unaddressed")
        )


class BuildFixturesTests(TestCase):
    def setUp(self):
        if not (settings.SURVEY_DATA_DIR / "humbatova2020").exists():
            self.skipTest("shared/survey-data is not beside this checkout")

    def test_rebuild_from_survey_data_is_byte_identical(self):
        with tempfile.TemporaryDirectory() as out:
            call_command("build_fixtures", out_dir=out, stdout=StringIO())
            for name in ("taxonomy", "papers", "challenges", "codings", "seed-release"):
                self.assertEqual((Path(out) / f"{name}.json").read_bytes(), (FIXTURES / f"{name}.json").read_bytes())

    def test_an_older_release_holds_only_its_records(self):
        curated = json.loads((settings.SURVEY_DATA_DIR / "curated" / "papers.json").read_text())
        papers = [p for p in curated["papers"] if p["seed_release"] == 1]
        references = [r for r in curated["related_references"] if r["seed_release"] == 1]
        with tempfile.TemporaryDirectory() as out:
            call_command("build_fixtures", out_dir=out, release=1, stdout=StringIO())
            built = Counter(o["model"] for o in json.loads((Path(out) / "papers.json").read_text()))
            manifest = json.loads((Path(out) / "seed-release.json").read_text())
        self.assertEqual(built["papers.paper"], len(papers))
        self.assertEqual(built["papers.faultmapping"], sum(len(p["mappings"]) for p in papers))
        self.assertEqual(built["papers.relatedreference"], len(references))
        self.assertEqual(manifest["release"], 1)
        self.assertEqual(set(manifest["released_on"]), {"1"})
