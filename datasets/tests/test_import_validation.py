"""import_dataset validates every record with its model's own validation, reports every problem with its record
and writes nothing unless the whole file is valid."""

import copy
import json
import tempfile

from django.core.management import CommandError, call_command

from datasets import dataset, dataset_import
from kb_site.test import KBTestCase
from papers.models import Paper


class ImportValidationTests(KBTestCase):
    def setUp(self):
        self.document = dataset.dump(dataset.PUBLIC)
        self.papers = self.document["records"]["papers.paper"]
        self.alpha = next(r for r in self.papers if r["fields"]["key"] == "alpha")
        self.beta = next(r for r in self.papers if r["fields"]["key"] == "beta")

    def problems(self, document) -> list[str]:
        with self.assertRaises(dataset_import.DatasetInvalid) as ctx:
            dataset_import.load(document)
        return ctx.exception.problems

    def test_every_invalid_value_is_reported_with_its_record_and_nothing_is_written(self):
        alpha_index = self.papers.index(self.alpha) + 1
        beta_index = self.papers.index(self.beta) + 1
        self.alpha["fields"].update(status="bogus-status", url="javascript:alert(1)", title="x" * 600)
        self.beta["fields"].update(title="Beta\x00", venue="ok")
        problems = self.problems(self.document)
        alpha, beta = f"papers.paper record {alpha_index} ('alpha')", f"papers.paper record {beta_index} ('beta')"
        self.assertEqual(
            sorted(problems),
            sorted(
                [
                    f"{alpha}: title: Ensure this value has at most 500 characters (it has 600).",
                    f"{alpha}: url: Enter a valid URL.",
                    f"{alpha}: status: Value 'bogus-status' is not a valid choice.",
                    f"{beta}: title: Null characters are not allowed.",
                ]
            ),
        )
        self.assertEqual(Paper.objects.get(key="alpha").title, "Alpha: finding memory leaks")
        self.assertEqual(Paper.objects.get(key="beta").title, "Beta: memory in general")

    def test_a_repeated_record_is_reported(self):
        self.papers.append(copy.deepcopy(self.alpha))
        problems = self.problems(self.document)
        first = self.papers.index(self.alpha) + 1
        self.assertEqual(problems, [f"papers.paper record {len(self.papers)} ('alpha'): repeats record {first}."])

    def test_new_records_are_checked_too_and_an_empty_database_stays_empty(self):
        self.alpha["fields"]["key"] = "alpha-copy"
        self.alpha["fields"]["url"] = "javascript:alert(1)"
        before = Paper.objects.count()
        self.assertEqual(
            self.problems(self.document),
            [f"papers.paper record {self.papers.index(self.alpha) + 1} ('alpha-copy'): url: Enter a valid URL."],
        )
        self.assertEqual(Paper.objects.count(), before)

    def test_the_command_lists_the_problems_and_fails(self):
        self.alpha["fields"]["url"] = "javascript:alert(1)"
        with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
            json.dump(self.document, handle)
            handle.flush()
            with self.assertRaises(CommandError) as ctx:
                call_command("import_dataset", handle.name)
        self.assertIn("1 problem(s) in the file; nothing was imported:", str(ctx.exception))
        self.assertIn("('alpha'): url: Enter a valid URL.", str(ctx.exception))
        self.assertEqual(Paper.objects.get(key="alpha").url, "")

    def test_a_valid_file_still_imports(self):
        self.alpha["fields"]["venue"] = "NeurIPS"
        result = dataset_import.load(self.document)
        self.assertEqual(result.updated["papers.paper"], 1)
        self.assertEqual(Paper.objects.get(key="alpha").venue, "NeurIPS")
