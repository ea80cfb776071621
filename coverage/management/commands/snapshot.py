from django.core.management.base import BaseCommand, CommandError

from coverage import snapshots
from coverage.models import Snapshot


class Command(BaseCommand):
    help = "Freeze the live approved mapping set as a named snapshot (create), list snapshots, or verify one."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Freeze the current state under a new name.")
        create.add_argument("name")
        create.add_argument("--description", default="")
        create.add_argument("--if-missing", action="store_true", help="Do nothing when the name exists already.")
        sub.add_parser("list", help="List snapshots.")
        verify = sub.add_parser("verify", help="Recompute a snapshot's figures and compare them with the stored ones.")
        verify.add_argument("name")

    def handle(self, *args, action, **options):
        if action == "list":
            for snapshot in Snapshot.objects.all():
                self.stdout.write(f"{snapshot.name}\t{snapshot.created_at:%Y-%m-%d %H:%M}\t{snapshot.entries.count()}")
            return
        name = options["name"]
        if action == "create":
            if Snapshot.objects.filter(name=name).exists():
                if options["if_missing"]:
                    self.stdout.write(f"Snapshot {name!r} exists already; left as it is.")
                    return
                raise CommandError(f"A snapshot named {name!r} exists already.")
            snapshot = snapshots.freeze(name, description=options["description"], created_by="manage.py")
            self.stdout.write(f"Froze {snapshot.entries.count()} approved mappings as snapshot {name!r}.")
            return
        try:
            snapshot = Snapshot.objects.get(name=name)
        except Snapshot.DoesNotExist as exc:
            raise CommandError(f"No snapshot named {name!r}") from exc
        if not snapshots.verify(snapshot):
            raise CommandError(f"Snapshot {name!r}: recomputed figures differ from the stored ones.")
        self.stdout.write(f"Snapshot {name!r}: recomputed figures equal the stored ones.")
