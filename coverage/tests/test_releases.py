"""Published releases: publication, the archive (and loading it back), immutability, pages, API, feed, layers.

The shared world (kb_site/test.py) by hand: leaves T.1-1 (alpha, explicit → addressed) and T-1 (nothing →
unaddressed); beta maps to the category T.1 (partial, category level). GitHub: an issue on T.1-1, a commit on
T-1; one StackOverflow post and one interview mention on T.1-1.
"""

import csv
import datetime
import hashlib
import io
import json
import tempfile
import zipfile
from pathlib import Path

import feedparser
import rispy
import yaml
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from coverage import releases, snapshots
from coverage.models import Release, ReleaseImmutable
from coverage.release_archive import ArchiveError
from kb_site.test import KBTestCase
from kb_site.tests.jsonld import SCHEMA, expand, ld_blocks, value
from kb_site.tests.test_citation_file import cff_errors
from papers.models import FaultMapping
from papers.tests.factories import make_mapping, make_paper
from papers.tests.test_citations import render_bibliography
from taxonomy.models import ReviewStatus

LEAVES_V1 = {
    "total": 2,
    "addressed": 1,
    "partial": 0,
    "unaddressed": 1,
    "addressed_pct": 50.0,
    "partial_pct": 0.0,
    "unaddressed_pct": 50.0,
}
ARCHIVE_FILES = {
    ".zenodo.json",
    "CITATION.cff",
    "LICENSES.md",
    "README.md",
    "citation.json",
    "data-dictionary.csv",
    "dataset.json",
    "figures.csv",
    "figures.json",
}


def publish(snapshot, version="1.0", **kw):
    defaults = {
        "name": "ML Debugging Knowledge Base",
        "description": "Test release.",
        "release_notes": "Notes.",
        "date": datetime.date(2026, 11, 29),
        "url": f"http://testserver/releases/{version}/",
        "published_by": "curator",
    }
    defaults.update(kw)
    return releases.publish(snapshot=snapshot, version=version, **defaults)


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def live_figures() -> dict:
    return snapshots.figures_for(None)


class ReleaseTestCase(KBTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.s1 = snapshots.freeze("s1")
        cls.v1 = publish(cls.s1)


class PublishTests(ReleaseTestCase):
    def test_release_carries_the_snapshot_figures(self):
        self.assertEqual(self.v1.figures["leaves"], LEAVES_V1)
        self.assertEqual(self.v1.figures["github"]["unaddressed_pct"], 50.0)  # the commit on T-1, of 2
        self.assertEqual(self.v1.figures, self.s1.figures)
        self.assertIsNone(self.v1.previous)
        self.assertEqual(self.v1.changes, {"before": None, "after": "s1", "first_release": True})

    def test_archive_holds_every_file_and_its_hash(self):
        files = unzip(bytes(self.v1.archive))
        tables = {name for name in files if name.startswith("csv/")}
        self.assertEqual(set(files) - tables, ARCHIVE_FILES)
        data = json.loads(files["dataset.json"])
        self.assertEqual(tables, {f"csv/{label}.csv" for label in data["records"]})
        self.assertNotIn("coverage.release", data["records"])
        self.assertEqual(self.v1.archive_sha256, hashlib.sha256(bytes(self.v1.archive)).hexdigest())
        self.assertEqual(self.v1.archive_size, len(bytes(self.v1.archive)))
        self.assertEqual(json.loads(files["figures.json"]), self.v1.figures)

    def test_every_csv_holds_the_rows_of_its_json_table(self):
        files = unzip(bytes(self.v1.archive))
        data = json.loads(files["dataset.json"])
        for label, records in data["records"].items():
            rows = list(csv.DictReader(io.StringIO(files[f"csv/{label}.csv"].decode())))
            self.assertEqual([row["pk"] for row in rows], [str(r["pk"]) for r in records], label)
        mappings = list(csv.DictReader(io.StringIO(files["csv/papers.faultmapping.csv"].decode())))
        self.assertEqual(
            sorted((m["fault"], m["strength"]) for m in mappings), [("T.1", "partial"), ("T.1-1", "explicit")]
        )

    def test_data_dictionary_describes_every_column(self):
        files = unzip(bytes(self.v1.archive))
        rows = list(csv.DictReader(io.StringIO(files["data-dictionary.csv"].decode())))
        described = {(row["table"], row["column"]) for row in rows}
        for label in json.loads(files["dataset.json"])["records"]:
            header = next(csv.reader(io.StringIO(files[f"csv/{label}.csv"].decode())))
            self.assertEqual({c for t, c in described if t == label}, set(header), label)
        strength = next(r for r in rows if (r["table"], r["column"]) == ("papers.faultmapping", "strength"))
        self.assertEqual(
            (strength["type"], strength["allowed values"]), ("text", "explicit (Explicit) | partial (Partial)")
        )
        fault = next(r for r in rows if (r["table"], r["column"]) == ("papers.faultmapping", "fault"))
        self.assertEqual((fault["type"], fault["allowed values"]), ("reference", "taxonomy.fault by code"))

    def test_citation_files_validate(self):
        files = unzip(bytes(self.v1.archive))
        self.assertEqual(cff_errors(files["CITATION.cff"].decode()), [])
        cff = yaml.safe_load(files["CITATION.cff"])
        self.assertEqual((cff["type"], cff["version"], cff["date-released"]), ("dataset", "1.0", "2026-11-29"))
        zenodo = json.loads(files[".zenodo.json"])
        self.assertEqual((zenodo["upload_type"], zenodo["version"], zenodo["license"]), ("dataset", "1.0", "cc-by-4.0"))
        licences = files["LICENSES.md"].decode()
        self.assertIn("- Licence: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)", licences)
        readme = files["README.md"].decode()
        self.assertIn("Leaf faults: 1 addressed, 0 partially addressed, 1 unaddressed, of 2", readme)
        self.assertIn("## The coverage rule", readme)

    def test_the_archive_loads_back_into_an_empty_database_with_the_release_figures(self):
        # Later curation: a new approval and a retraction of a frozen mapping. Neither reaches the release.
        make_mapping(make_paper("delta"), self.uncovered)
        FaultMapping.objects.filter(pk=self.alpha_leak.pk).update(
            status=ReviewStatus.RETRACTED, retracted_at=timezone.now()
        )
        self.assertEqual(live_figures()["leaves"]["addressed"], 1)  # T-1 now, T.1-1 no longer
        self.assertEqual(live_figures()["leaves"]["unaddressed"], 1)
        archive = bytes(Release.objects.get(version="1.0").archive)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "dataset.json"
            path.write_bytes(unzip(archive)["dataset.json"])
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # fire the test transaction's deferred checks before TRUNCATE
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            call_command("flush", interactive=False, verbosity=0)
            self.assertEqual(FaultMapping.objects.count(), 0)
            call_command("import_dataset", str(path), stdout=io.StringIO())
        self.assertEqual(live_figures(), self.v1.figures)
        self.assertEqual(
            sorted(FaultMapping.objects.values_list("paper__key", "fault__code", "status")),
            [("alpha", "T.1-1", "approved"), ("beta", "T.1", "approved")],
        )

    def test_a_snapshot_whose_mapping_was_deleted_cannot_be_published(self):
        s2 = snapshots.freeze("s2")
        FaultMapping.objects.filter(pk=self.beta_memory.pk).delete()
        with self.assertRaisesMessage(ArchiveError, "refers to 1 mapping(s) deleted since"):
            publish(s2, version="2.0")
        self.assertFalse(Release.objects.filter(version="2.0").exists())


class ImmutabilityTests(ReleaseTestCase):
    def test_later_approvals_do_not_touch_a_published_release(self):
        archive, figures = bytes(self.v1.archive), self.v1.figures
        make_mapping(make_paper("delta"), self.uncovered)
        self.assertEqual(live_figures()["leaves"]["addressed"], 2)
        release = Release.objects.get(version="1.0")
        self.assertEqual((bytes(release.archive), release.figures), (archive, figures))
        response = self.client.get(reverse("coverage:release-download", args=["1.0"]))
        self.assertEqual(b"".join(response.streaming_content) if response.streaming else response.content, archive)
        self.assertEqual(response["ETag"], f'"{hashlib.sha256(archive).hexdigest()}"')
        page = self.client.get(reverse("coverage:release-detail", args=["1.0"]))
        self.assertEqual(page.context["rows"][0]["group"], "Leaf faults")
        self.assertEqual({r["key"]: r["value"] for r in page.context["rows"]}["leaves.addressed"], 1)

    def test_a_release_cannot_be_saved_again_deleted_or_republished(self):
        self.v1.description = "changed"
        with self.assertRaises(ReleaseImmutable):
            self.v1.save()
        with self.assertRaises(ReleaseImmutable):
            self.v1.delete()
        with self.assertRaisesMessage(releases.ReleaseError, "Release 1.0 exists already"):
            publish(self.s1)
        self.assertEqual(Release.objects.get().description, "Test release.")


class SecondReleaseTests(ReleaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.delta = make_mapping(make_paper("delta", title="Delta"), cls.uncovered)
        cls.s2 = snapshots.freeze("s2")
        changes = releases.draft_changes(cls.s2, cls.v1)
        cls.notes = releases.draft_notes(cls.s2, changes, cls.v1)
        cls.v2 = publish(cls.s2, version="1.1", release_notes=cls.notes)

    def test_notes_and_changes_come_from_the_diff(self):
        self.assertEqual(self.v2.previous, self.v1)
        self.assertIn("- T-1 Uncovered: unaddressed → addressed\n", self.notes)
        self.assertIn("- 1 mapping(s) added, 0 removed.\n", self.notes)
        self.assertIn("- leaves.addressed: 1 → 2\n", self.notes)
        self.assertEqual(
            self.v2.changes["status_changes"],
            [{"code": "T-1", "name": "Uncovered", "before": "unaddressed", "after": "addressed"}],
        )
        self.assertEqual([m["paper_key"] for m in self.v2.changes["added"]], ["delta"])

    def test_latest_redirects_to_the_newest_release(self):
        response = self.client.get(reverse("coverage:release-latest"))
        self.assertRedirects(response, reverse("coverage:release-detail", args=["1.1"]))

    def test_release_list_and_api_list_have_fixed_query_counts(self):
        with self.assertNumQueries(1):
            response = self.client.get(reverse("coverage:release-list"))
        self.assertEqual([r.version for r in response.context["releases"]], ["1.1", "1.0"])
        with self.assertNumQueries(2):  # the page's count, the page
            api = self.client.get(reverse("api:release-list"))
        self.assertEqual([r["version"] for r in api.json()["results"]], ["1.1", "1.0"])
        self.assertEqual(api.json()["results"][0]["previous"], "1.0")
        self.assertEqual(api.json()["results"][0]["download"], "http://testserver/releases/1.1/download/")
        publish(snapshots.freeze("s3"), version="1.2")
        with self.assertNumQueries(1):
            self.client.get(reverse("coverage:release-list"))
        with self.assertNumQueries(2):
            self.assertEqual(self.client.get(reverse("api:release-list")).json()["count"], 3)

    def test_release_feed(self):
        with self.assertNumQueries(1):
            response = self.client.get(reverse("coverage:release-feed"))
        feed = feedparser.parse(response.content)
        self.assertFalse(feed.bozo)
        self.assertEqual(
            [e.title for e in feed.entries], ["ML Debugging Knowledge Base 1.1", "ML Debugging Knowledge Base 1.0"]
        )
        self.assertEqual(feed.entries[0].enclosures[0].href, "http://testserver/releases/1.1/download/")

    def test_comparison_layer_scores_the_change_of_status(self):
        response = self.client.get(reverse("api:release-compare-layer", args=["1.1"]), {"with": "1.0"})
        scores = {t["techniqueID"]: t["score"] for t in response.json()["techniques"]}
        self.assertEqual(scores, {"T.1-1": 0, "T-1": 2})
        bad = self.client.get(reverse("api:release-compare-layer", args=["1.1"]), {"with": "9.9"})
        self.assertEqual((bad.status_code, list(bad.json())), (400, ["with"]))
        layer = self.client.get(reverse("api:release-layer", args=["1.0"])).json()
        self.assertEqual(
            {t["techniqueID"]: t.get("score") for t in layer["techniques"]},
            {"T": None, "T.1": None, "T.1-1": 2, "T-1": 0},
        )


class ReleasePageTests(ReleaseTestCase):
    def test_release_page_is_a_schema_org_dataset_with_its_download(self):
        response = self.client.get(reverse("coverage:release-detail", args=["1.0"]))
        [document] = ld_blocks(response.content.decode())
        [node] = expand(document)
        self.assertEqual(node["@type"], [SCHEMA + "Dataset"])
        self.assertEqual(value(node, "version"), "1.0")
        self.assertEqual(value(node, "license"), "https://creativecommons.org/licenses/by/4.0/")
        [download] = node[SCHEMA + "distribution"]
        self.assertEqual(value(download, "contentUrl"), "http://testserver/releases/1.0/download/")
        measured = {value(v, "name"): value(v, "value") for v in node[SCHEMA + "variableMeasured"]}
        self.assertEqual(measured["leaves.addressed_pct"], 50.0)
        self.assertEqual(value(node, "temporalCoverage").split("/")[1], self.s1.created_at.date().isoformat())
        self.assertContains(response, 'href="/releases/feed/"')

    def test_home_page_describes_the_latest_release(self):
        response = self.client.get(reverse("home"))
        [node] = expand(ld_blocks(response.content.decode())[0])
        self.assertEqual((node["@type"], value(node, "version")), ([SCHEMA + "Dataset"], "1.0"))

    def test_cite_api_in_three_formats(self):
        url = reverse("api:release-cite", args=["1.0"])
        [record] = rispy.loads(self.client.get(url, {"format": "ris"}).content.decode())
        self.assertEqual(
            (record["type_of_reference"], record["title"], record["edition"], record["date"]),
            ("DATA", "ML Debugging Knowledge Base", "1.0", "2026/11/29/"),
        )
        items = json.loads(self.client.get(url, {"format": "csljson"}).content)
        self.assertEqual(
            render_bibliography(items),
            [
                "ML Debugging Knowledge Base editors (2026) “ML Debugging Knowledge Base”. "
                "ML Debugging Knowledge Base. Available at: http://testserver/releases/1.0/."
            ],
        )
        self.assertIn("version = {1.0}", self.client.get(url, {"format": "bibtex"}).content.decode())
        self.assertEqual(set(self.client.get(url).json()), {"bibtex", "ris", "csljson"})


class ReleaseFormTests(ReleaseTestCase):
    url = reverse("coverage:release-create")

    def test_only_curators_publish(self):
        self.assertEqual(self.client.get(self.url).status_code, 302)
        self.client.force_login(self.researcher)
        self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_form_offers_generated_notes_and_refuses_a_reserved_version(self):
        make_mapping(make_paper("delta"), self.uncovered)
        snapshots.freeze("s2")
        self.client.force_login(self.curator)
        response = self.client.get(self.url, {"snapshot": "s2"})
        self.assertIn("- T-1 Uncovered: unaddressed → addressed", response.context["form"].initial["release_notes"])
        data = {
            "snapshot": "s2",
            "version": "latest",
            "name": "KB",
            "date": "2026-11-30",
            "licence": "CC-BY-4.0",
            "description": "d",
            "release_notes": "edited notes",
        }
        bad = self.client.post(self.url, data)
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(bad.context["form"].errors["version"], ["“latest” is a page address; choose another version."])
        self.assertEqual(Release.objects.count(), 1)
        response = self.client.post(self.url, {**data, "version": "1.1"})
        self.assertRedirects(response, reverse("coverage:release-detail", args=["1.1"]))
        release = Release.objects.get(version="1.1")
        self.assertEqual(
            (release.release_notes, release.published_by, release.previous), ("edited notes", "curator", self.v1)
        )


class ReleaseAdminTests(ReleaseTestCase):
    def setUp(self):
        self.curator.is_staff = True
        self.curator.save()
        self.client.force_login(self.curator)

    def test_the_admin_publishes_and_then_only_shows_a_release(self):
        snapshots.freeze("s2")
        response = self.client.post(
            reverse("admin:coverage_release_add"),
            {
                "snapshot": "s2",
                "version": "1.1",
                "name": "KB",
                "date": "2026-11-30",
                "licence": "CC-BY-4.0",
                "description": "From the admin.",
                "release_notes": "n",
            },
        )
        self.assertEqual(response.status_code, 302)
        release = Release.objects.get(version="1.1")
        self.assertEqual(
            (release.published_by, release.previous, release.url),
            ("curator", self.v1, "http://testserver/releases/1.1/"),
        )
        change = self.client.get(reverse("admin:coverage_release_change", args=[release.pk]))
        self.assertEqual(change.status_code, 200)
        self.assertNotContains(change, 'name="_save"')  # curators may view, never change
        self.assertEqual(self.client.post(reverse("admin:coverage_release_delete", args=[release.pk])).status_code, 403)
        self.assertTrue(Release.objects.filter(version="1.1").exists())
