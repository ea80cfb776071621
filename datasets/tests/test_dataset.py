"""The dataset document (datasets/dataset.py, dataset_import.py): export, import into an empty database, idempotence,
the public scope.

The full backup procedure (every row, every history entry, with submissions and reviews) is tested end to end in
test_backup.py; these tests pin the document itself on the real fixtures.
"""

import io
import json
from unittest import mock

from django.apps import apps
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test import TestCase
from django.urls import reverse
from rest_framework.authtoken.models import Token

from coverage import coverage, snapshots, summaries
from coverage.models import Snapshot
from datasets import dataset, dataset_import, dataset_stream
from papers.models import FaultMapping, Paper
from taxonomy.models import Fault, ReviewStatus


def counts(scope: str) -> dict[str, int]:
    return {m._meta.label_lower: m._base_manager.count() for m in dataset.dataset_models(scope)}


def figures() -> dict:
    summary = summaries.coverage_summary(coverage.compute(use_cache=False))
    return summaries.summary_dict(summary, summaries.reported_comparison(summary))


def wipe() -> None:
    """Empty every table (inside the test's transaction, rolled back afterwards)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses tables with pending FK checks
    call_command("flush", interactive=False, verbosity=0)
    cache.clear()


class RealDataTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("loaddata", "taxonomy", "papers", "challenges", verbosity=0)
        snapshots.freeze("seed")
        cls.user = User.objects.create_user("alice", "alice@example.org", "a-long-password-1")
        Token.objects.create(user=cls.user)
        mapping = FaultMapping.objects.order_by("pk").first()
        mapping.evidence_note = "Edited once, so there is history."
        mapping.save()
        leaf = Fault.objects.filter(kind=Fault.Kind.LEAF).order_by("position").first()
        cls.pending = FaultMapping.objects.create(
            paper=Paper.objects.order_by("pk").last(), fault=leaf, strength="explicit", rationale="pending one"
        )

    def test_the_real_data_is_what_the_survey_data_says(self):
        # shared/survey-data: 113 Humbatova nodes + 19 extension nodes, 158 artefacts (99 SO + 59 GitHub),
        # 226 mentions in 20 interviews, 126 curated papers with 237 mappings (seed release 2; + the pending one made
        # here).
        full = counts(dataset.FULL)
        self.assertEqual(full["taxonomy.fault"], 132)
        self.assertEqual(full["challenges.artifact"], 158)
        self.assertEqual(full["challenges.interviewmention"], 226)
        self.assertEqual(full["challenges.interview"], 20)
        self.assertEqual(full["papers.paper"], 126)
        self.assertEqual(full["papers.faultmapping"], 238)
        self.assertEqual(figures()["leaves"]["total"], 103)

    def test_full_dump_round_trips_through_an_empty_database(self):
        before_counts, before_figures = counts(dataset.FULL), figures()
        history = sorted(FaultMapping.history.values_list("uid", "history_type", "evidence_note"))
        document = json.loads(json.dumps(dataset.dump(dataset.FULL)))  # exactly what a file holds
        self.assertEqual(document["counts"], before_counts)
        self.assertEqual(document["schema_version"], dataset.SCHEMA_VERSION)

        wipe()
        self.assertEqual(Fault.objects.count(), 0)
        result = dataset_import.load(document)
        self.assertEqual(result.created, before_counts)
        self.assertEqual(counts(dataset.FULL), before_counts)
        self.assertEqual(figures(), before_figures)
        self.assertTrue(snapshots.verify(Snapshot.objects.get(name="seed")))
        self.assertEqual(sorted(FaultMapping.history.values_list("uid", "history_type", "evidence_note")), history)
        self.assertTrue(User.objects.get(username="alice").check_password("a-long-password-1"))
        self.assertEqual(Token.objects.get().user.username, "alice")

        again = dataset_import.load(document)
        self.assertFalse(again.changed)
        self.assertEqual(sum(again.unchanged.values()), sum(before_counts.values()))

    def test_a_file_is_streamed_in_chunks_whatever_its_key_order(self):
        before_counts, before_figures = counts(dataset.FULL), figures()
        # Sorted keys put the records before the schema version, and artefacts before the faults they refer to;
        # indentation puts newlines between tokens. Tiny reads and chunks cross every boundary.
        text = json.dumps(json.loads("".join(dataset.stream(dataset.FULL))), sort_keys=True, indent=1)
        self.assertLess(text.index('"records"'), text.index('"schema_version"'))
        wipe()
        with mock.patch.object(dataset_stream, "READ_SIZE", 61), mock.patch.object(dataset_import, "CHUNK", 7):
            result = dataset_import.load_file(io.StringIO(text))
            self.assertEqual(result.created, before_counts)
            self.assertEqual(counts(dataset.FULL), before_counts)
            self.assertEqual(figures(), before_figures)
            self.assertTrue(snapshots.verify(Snapshot.objects.get(name="seed")))
            again = dataset_import.load_file(io.StringIO(text))
        self.assertFalse(again.changed)
        self.assertEqual(sum(again.unchanged.values()), sum(before_counts.values()))

    def test_import_matches_rows_by_identity_not_by_id(self):
        document = json.loads(json.dumps(dataset.dump(dataset.FULL)))
        before_counts, before_figures = counts(dataset.FULL), figures()
        wipe()
        # The same real data loaded afresh gets other ids; the import must match, not duplicate.
        Fault.objects.create(code="ZZ-1", slug="placeholder", name="takes id 1", kind="leaf", origin="curator")
        call_command("loaddata", "taxonomy", "papers", "challenges", verbosity=0)
        result = dataset_import.load(document)
        self.assertEqual(result.created["taxonomy.fault"], 0)
        self.assertEqual(result.created["papers.faultmapping"], 1)  # the pending one is not in the fixtures
        self.assertEqual(counts(dataset.FULL)["taxonomy.fault"], before_counts["taxonomy.fault"] + 1)  # + ZZ-1
        self.assertEqual(figures()["leaves"]["total"], before_figures["leaves"]["total"] + 1)
        Fault.objects.filter(code="ZZ-1").delete()
        self.assertEqual(figures(), before_figures)

    def test_public_scope_holds_only_public_records(self):
        document = dataset.dump(dataset.PUBLIC)
        labels = set(document["records"])
        self.assertNotIn("auth.user", labels)
        self.assertNotIn("authtoken.token", labels)
        self.assertNotIn("papers.submission", labels)
        self.assertFalse({label for label in labels if ".historical" in label})
        self.assertEqual(document["counts"]["papers.faultmapping"], 237)
        uids = {row["fields"]["uid"] for row in document["records"]["papers.faultmapping"]}
        self.assertNotIn(str(self.pending.uid), uids)
        self.assertTrue(all(row["fields"]["submitted_by"] is None for row in document["records"]["papers.paper"]))

    def test_public_dump_reproduces_the_public_figures_in_an_empty_database(self):
        before = figures()
        document = json.loads(json.dumps(dataset.dump(dataset.PUBLIC)))
        wipe()
        dataset_import.load(document)
        self.assertEqual(figures(), before)
        self.assertEqual(FaultMapping.objects.exclude(status=ReviewStatus.APPROVED).count(), 0)
        self.assertEqual(User.objects.count(), 0)

    def test_api_serves_the_public_dump(self):
        response = self.client.get(reverse("api:export-dataset"), secure=True)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["format"], body["scope"], body["schema_version"]), ("kb-dataset", "public", 2))
        self.assertEqual(body["counts"], dataset.dump(dataset.PUBLIC)["counts"])
        self.assertEqual(set(body["counts"]), set(body["records"]))

    def test_streamed_export_is_the_same_document_as_the_dump(self):
        for scope in dataset.SCOPES:
            with self.subTest(scope=scope):
                streamed = json.loads("".join(dataset.stream(scope)))
                dumped = json.loads(json.dumps(dataset.dump(scope), cls=DjangoJSONEncoder))
                streamed.pop("exported_at"), dumped.pop("exported_at")
                self.assertEqual(streamed, dumped)
                self.assertEqual(streamed["counts"], {k: len(v) for k, v in streamed["records"].items()})

    def test_export_reads_rows_in_chunks(self):
        """A model with more rows than a chunk is read with one query per chunk, not in one go."""
        label = "challenges.interviewmention"
        model = apps.get_model(label)
        rows = model.objects.count()
        self.assertGreater(rows, 100)
        chosen = {m._meta.label_lower for m in dataset.dataset_models(dataset.FULL)}
        with mock.patch.object(dataset, "CHUNK", 100):
            records = list(dataset._rows(model, dataset.FULL, dataset.Keys(), chosen))
        self.assertEqual(len(records), rows)
        self.assertEqual([r["pk"] for r in records], sorted(r["pk"] for r in records))

    def test_commands_write_and_read_a_file(self):
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = f"{tmp}/backup.json"
            call_command("export_dataset", output=path, stderr=io.StringIO())
            out = io.StringIO()
            call_command("import_dataset", path, stdout=out)
            self.assertIn("Nothing to change", out.getvalue())


class RefusalTests(TestCase):
    def test_unknown_schema_version(self):
        document = dataset.dump(dataset.PUBLIC)
        document["schema_version"] = 3
        with self.assertRaisesMessage(dataset.DatasetError, "Unsupported dataset schema version 3"):
            dataset_import.load(document)

    def test_not_a_dataset(self):
        for document in ([], {"format": "other"}, {"format": "kb-dataset", "schema_version": 1}):
            with self.assertRaises(dataset.DatasetError):
                dataset_import.load(document)

    def test_unknown_model_and_malformed_records(self):
        document = dataset.dump(dataset.PUBLIC)
        document["records"]["taxonomy.unicorn"] = []
        with self.assertRaisesMessage(dataset.DatasetError, "taxonomy.unicorn"):
            dataset_import.load(document)
        document = dataset.dump(dataset.PUBLIC)
        document["records"]["taxonomy.source"] = [{"pk": 1}]
        with self.assertRaisesMessage(dataset.DatasetError, "taxonomy.source: malformed record"):
            dataset_import.load(document)

    def test_reference_to_a_missing_row(self):
        document = dataset.dump(dataset.PUBLIC)
        document["records"]["taxonomy.fault"] = [
            {
                "pk": 1,
                "fields": {
                    "code": "A-1",
                    "slug": "a-1",
                    "name": "A",
                    "kind": "leaf",
                    "origin": "curator",
                    "parent": "NOT-THERE",
                    "source": None,
                    "position": 1,
                },
            }
        ]
        with self.assertRaisesMessage(dataset.DatasetError, "no taxonomy.Fault 'NOT-THERE'"):
            dataset_import.load(document)
        self.assertFalse(Fault.objects.exists())  # all or nothing

    def test_command_reports_errors_cleanly(self):
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = f"{tmp}/bad.json"
            with open(path, "w") as handle:
                handle.write("{not json")
            with self.assertRaisesMessage(CommandError, "is not valid JSON"):
                call_command("import_dataset", path)
            with self.assertRaisesMessage(CommandError, "Cannot read"):
                call_command("import_dataset", f"{tmp}/missing.json")

    def test_every_model_of_the_project_is_in_the_backup_with_an_identity(self):
        project = {
            m._meta.label_lower
            for m in apps.get_models()
            if m._meta.app_label in dataset.PROJECT_APPS and m._meta.managed and not m._meta.proxy
        }
        full = dataset.dataset_models(dataset.FULL)
        self.assertLessEqual(project, {m._meta.label_lower for m in full})
        for model in full:
            self.assertTrue(dataset.identity_fields(model))
            self.assertNotIn("id", dataset.identity_fields(model))
