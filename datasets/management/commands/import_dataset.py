import sys

from django.core.management.base import BaseCommand, CommandError

from datasets.dataset import DatasetError
from datasets.dataset_import import load_file
from datasets.dataset_stream import InvalidJSON


class Command(BaseCommand):
    help = (
        "Import a dataset document written by export_dataset (or /api/export/dataset/): rows are matched on their "
        "stable identity (fault id, paper key, mapping uid, ...), existing ones updated where they differ, missing "
        "ones created. Idempotent and all-or-nothing; refuses a file of an unknown schema version."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The JSON file ('-' for standard input).")

    def handle(self, *args, path, **options):
        # Streamed (datasets/dataset_stream.py): memory stays bounded whatever the size of the file.
        try:
            if path == "-":
                result = load_file(sys.stdin)
            else:
                with open(path, encoding="utf-8") as handle:
                    result = load_file(handle)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        except (InvalidJSON, UnicodeDecodeError) as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from exc
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        for label in sorted(set(result.created) | set(result.updated) | set(result.unchanged)):
            self.stdout.write(
                f"{label}: {result.created.get(label, 0)} created, {result.updated.get(label, 0)} updated, "
                f"{result.unchanged.get(label, 0)} unchanged"
            )
        self.stdout.write("Imported." if result.changed else "Nothing to change: the database already holds the file.")
