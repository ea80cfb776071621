"""The repository's CITATION.cff (software citation) is valid Citation File Format 1.2.0.

cffconvert 2.0.0 validates a CITATION.cff against the CFF 1.2.0 JSON schema with jsonschema's Draft 7 validator;
it pins jsonschema<4, which the project's other tools cannot share, so the test does exactly what it does with the
schema file it ships (data/cff-1.2.0.schema.json, copied from cffconvert 2.0.0, CC BY 4.0 by the CFF authors).
"""

import json
from pathlib import Path

import jsonschema
import yaml
from django.conf import settings
from django.test import SimpleTestCase

SCHEMA = json.loads((Path(__file__).parent / "data" / "cff-1.2.0.schema.json").read_text())


def cff_errors(text: str) -> list[str]:
    """Validation errors of a CITATION.cff text against the CFF 1.2.0 schema (empty when valid)."""
    data = yaml.safe_load(text)
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


class CitationFileTests(SimpleTestCase):
    def test_repository_citation_cff_validates(self):
        text = (Path(settings.BASE_DIR) / "CITATION.cff").read_text()
        self.assertEqual(cff_errors(text), [])
        data = yaml.safe_load(text)
        self.assertEqual((data["cff-version"], data["type"]), ("1.2.0", "software"))
        self.assertEqual(data["references"][0]["license"], "CC-BY-4.0")

    def test_the_validator_rejects_an_invalid_file(self):
        self.assertEqual(
            cff_errors("cff-version: 1.2.0\ntitle: x\nmessage: m\n"), [": 'authors' is a required property"]
        )
        self.assertEqual(
            cff_errors("cff-version: 1.2.0\ntitle: x\nmessage: m\nauthors: [{name: A}]\nlicense: Not-A-Licence\n")[0][
                :9
            ],
            "license: ",
        )
