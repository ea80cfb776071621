from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from datasets.fixture_builder import write_all


class Command(BaseCommand):
    help = (
        "Read the survey data (shared/survey-data, or --data-dir) and write the committed fixtures "
        "fixtures/taxonomy.json, papers.json and challenges.json (natural keys, stable order) and the seed manifest "
        "fixtures/seed-release.json (release number and dates)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=str(settings.SURVEY_DATA_DIR))
        parser.add_argument("--out-dir", default=str(settings.FIXTURE_DIRS[0]))
        parser.add_argument(
            "--release", type=int, help="Build this seed release (default: the newest in the data), e.g. 1 for tests."
        )

    def handle(self, *args, data_dir, out_dir, release=None, **options):
        data_path = Path(data_dir)
        if not (data_path / "humbatova2020" / "taxonomy.csv").exists():
            raise CommandError(f"{data_path} does not look like the survey-data folder (no humbatova2020/taxonomy.csv)")
        counts = write_all(data_path, Path(out_dir), release)
        for name, count in counts.items():
            self.stdout.write(f"fixtures/{name}.json: {count} objects")
