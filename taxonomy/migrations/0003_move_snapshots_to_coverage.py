# Snapshot and SnapshotEntry moved to the coverage app (coverage/migrations/0001_initial.py): this removes them from
# taxonomy's migration state only. Their tables (taxonomy_snapshot, taxonomy_snapshotentry) stay where they are, with
# their rows; the coverage models name them with db_table.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("taxonomy", "0002_origin_without_synthetic"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SnapshotEntry"),
                migrations.DeleteModel(name="Snapshot"),
            ],
            database_operations=[],
        ),
    ]
