"""The curators group and its permissions (add/change/view on papers, taxonomy and challenges; never delete).

Kept in step with ``accounts/roles.py`` (which re-applies the rule when a flushed test database lost the group).
"""

from django.db import migrations
from django.db.models import Q

CURATORS_GROUP = "curators"
CURATOR_APPS = ("papers", "taxonomy", "challenges")
CURATOR_ACTIONS = ("add", "change", "view")
# History rows are written by django-simple-history only; a frozen snapshot never changes.
CURATOR_EXCLUDED = Q(codename__contains="historical") | Q(
    codename__in=["change_snapshot", "add_snapshotentry", "change_snapshotentry"]
)


def create_curators_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after `migrate` finishes; create them now so the group can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    actions = Q()
    for action in CURATOR_ACTIONS:
        actions |= Q(codename__startswith=f"{action}_")
    group, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
    permissions = Permission.objects.filter(actions, content_type__app_label__in=CURATOR_APPS)
    group.permissions.add(*permissions.exclude(CURATOR_EXCLUDED))


def delete_curators_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=CURATORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("papers", "0002_submissions_review"),
        ("taxonomy", "0001_initial"),
        ("challenges", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_curators_group, delete_curators_group)]
