import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from datasets import dataset


class Command(BaseCommand):
    help = (
        "Write the whole dataset as one JSON document with a versioned schema (the backup; import it with "
        "import_dataset). --scope full (default) keeps everything incl. users, submissions and history: keep the "
        "file as safe as the database. --scope public writes what /api/export/dataset/ serves."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default="-", help="File to write (default: standard output).")
        parser.add_argument("--scope", choices=dataset.SCOPES, default=dataset.FULL)
        parser.add_argument("--indent", type=int, default=None)

    def handle(self, *args, output, scope, indent, **options):
        if indent is not None:  # pretty-printing needs the whole document; fine for small databases
            text = json.dumps(dataset.dump(scope=scope), cls=DjangoJSONEncoder, indent=indent, ensure_ascii=False)
            chunks = iter([text + "\n"])
        else:  # streamed record by record: memory bounded whatever the size of the database
            chunks = dataset.stream(scope=scope, encoder=DjangoJSONEncoder)
        if output == "-":
            for chunk in chunks:
                sys.stdout.write(chunk)
            return
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.writelines(chunks)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc}") from exc
        self.stderr.write(f"Wrote the {scope} dataset (schema version {dataset.SCHEMA_VERSION}) to {output}.")
