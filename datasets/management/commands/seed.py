import json

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from datasets import seed
from datasets.seed_merge import fixture_key


class Command(BaseCommand):
    help = (
        "Seed releases of the shipped fixtures. `seed status`: the release this database is at and what the shipped "
        "release would add, update or leave as a conflict. `seed upgrade [--dry-run]`: load the seed into an empty "
        "database, or merge a newer release into one that holds data without overwriting local curation (new "
        "records added, records unchanged here updated, every conflict listed with both values; one transaction; "
        "a second run changes nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "upgrade"])
        parser.add_argument("--dry-run", action="store_true", help="upgrade: report what would change, write nothing.")
        parser.add_argument("--fixture-dir", help="Where the seed fixtures are (default: the project's fixtures/).")

    def handle(self, *args, action, dry_run, fixture_dir, **options):
        try:
            report = seed.upgrade(fixture_dir, dry_run=dry_run or action == "status")
        except seed.SeedError as exc:
            raise CommandError(str(exc)) from exc
        before = f"seed release {report.before}" if report.before else "no seed release recorded"
        if action == "status":
            self.stdout.write(f"Database: {before}. Shipped fixtures: seed release {report.shipped}.")
            self._conflicts(seed.recorded_conflicts(), "Conflicts left for a curator by the last upgrade")
        if not report.changed:
            self.stdout.write(f"Nothing to change: the database is at seed release {report.shipped}.")
            if action == "upgrade":
                self._conflicts(report.conflicts, "Still left for a curator")
            return
        verb = "Would" if dry_run or action == "status" else "Did"
        for step in report.steps:
            if step.adopted:
                self.stdout.write(
                    f"{verb} take the existing data as seed release {step.release} (loaded before releases were "
                    "recorded): its rows are left as they are and serve as the merge base."
                )
                continue
            plan = step.plan
            self.stdout.write(
                f"Seed release {step.release}: {verb.lower()} add {len(plan.add)}, update {len(plan.update)}; "
                f"{len(plan.conflicts)} conflicts (local value kept); "
                f"{len(plan.deleted_locally)} records deleted here stay deleted."
                + (f" Snapshot {step.snapshot!r} frozen." if step.snapshot and verb == "Did" else "")
            )
            for obj, _, names in plan.update:
                self.stdout.write(f"  update {obj['model']} {self._key(obj)}: {', '.join(names)}")
            self._conflicts(plan.conflicts, f"Conflicts of seed release {step.release}")

    @staticmethod
    def _key(obj: dict) -> str:
        return fixture_key(apps.get_model(obj["model"]), obj["fields"])

    def _conflicts(self, conflicts: list[dict], title: str) -> None:
        if not conflicts:
            return
        self.stdout.write(f"{title} ({len(conflicts)}):")
        for c in conflicts:
            upstream = json.dumps(c["upstream"], cls=DjangoJSONEncoder, ensure_ascii=False)
            local = json.dumps(c["local"], cls=DjangoJSONEncoder, ensure_ascii=False)
            self.stdout.write(f"  {c['model']} {c['key']} {c['field']}: upstream {upstream}, local {local}")
