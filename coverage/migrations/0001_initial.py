# Snapshot and SnapshotEntry, moved here from taxonomy with their tables: state only, no table is created or copied
# (taxonomy/migrations/0003_move_snapshots_to_coverage.py removes them from taxonomy's state).
#
# Their content types are relabelled taxonomy -> coverage, so the permissions that hang on them (the curators'
# "add snapshot", see accounts/roles.py), group memberships and admin log entries carry over unchanged.

import django.db.models.deletion
from django.db import migrations, models

MOVED_MODELS = ("snapshot", "snapshotentry")


def relabel_content_types(apps, schema_editor, old="taxonomy", new="coverage"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED_MODELS:
        if not ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            ContentType.objects.using(db).filter(app_label=old, model=model).update(app_label=new)


def restore_content_types(apps, schema_editor):
    relabel_content_types(apps, schema_editor, old="coverage", new="taxonomy")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        # The curators group receives the snapshot permissions (as taxonomy's) there, before they are relabelled.
        ("accounts", "0001_roles"),
        ("taxonomy", "0003_move_snapshots_to_coverage"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Snapshot",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("name", models.SlugField(max_length=100, unique=True)),
                        ("description", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("created_by", models.CharField(blank=True, max_length=150)),
                        (
                            "figures",
                            models.JSONField(default=dict, help_text="coverage.summary_dict() at freezing time."),
                        ),
                    ],
                    options={
                        "db_table": "taxonomy_snapshot",
                        "ordering": ["created_at", "name"],
                    },
                ),
                migrations.CreateModel(
                    name="SnapshotEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        (
                            "strength",
                            models.CharField(choices=[("explicit", "Explicit"), ("partial", "Partial")], max_length=16),
                        ),
                        (
                            "methods",
                            models.JSONField(
                                blank=True, default=list, help_text="Method codes of the mapping when frozen."
                            ),
                        ),
                        ("mapping_uid", models.UUIDField()),
                        ("paper_key", models.CharField(max_length=120)),
                        ("paper_title", models.CharField(max_length=500)),
                        (
                            "fault",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="snapshot_entries",
                                to="taxonomy.fault",
                            ),
                        ),
                        (
                            "snapshot",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="entries",
                                to="coverage.snapshot",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "taxonomy_snapshotentry",
                        "ordering": ["snapshot", "fault__position", "paper_key"],
                        # The constraint keeps its database name here; 0002 renames it to this app's pattern.
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("snapshot", "mapping_uid"), name="taxonomy_snapshotentry_unique_mapping"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, restore_content_types),
    ]
