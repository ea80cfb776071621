"""The OpenAPI schema declares the answers as they are sent (the fuzz found two that were not)."""

import io
import tempfile

import yaml
from django.core.management import call_command

from coverage import snapshots
from kb_site.test import KBTestCase


def generated_schema() -> dict:
    with tempfile.NamedTemporaryFile(suffix=".yaml") as handle:
        call_command("spectacular", "--file", handle.name, stderr=io.StringIO())
        return yaml.safe_load(handle.read())


class SchemaAnswerTests(KBTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.schema = generated_schema()

    def test_snapshot_diff_is_one_object_as_answered(self):
        snapshots.freeze("before")
        snapshots.freeze("after")
        answer = self.client.get("/api/snapshot-diff/", {"before": "before", "after": "after"}).json()
        self.assertIsInstance(answer, dict)
        declared = self.schema["paths"]["/api/snapshot-diff/"]["get"]["responses"]["200"]["content"]
        self.assertEqual(declared["application/json"]["schema"], {"$ref": "#/components/schemas/SnapshotDiff"})
        self.assertEqual(set(answer), set(self.schema["components"]["schemas"]["SnapshotDiff"]["properties"]))

    def test_a_pending_submissions_reviewer_fields_are_declared_nullable(self):
        properties = self.schema["components"]["schemas"]["Submission"]["properties"]
        self.assertEqual(
            {name: properties[name].get("nullable") for name in ("claimed_by", "reviewed_by")},
            {"claimed_by": True, "reviewed_by": True},
        )
