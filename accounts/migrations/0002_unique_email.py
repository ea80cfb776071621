"""One account per e-mail address, whatever its case, enforced by the database (two concurrent sign-ups included).

``auth.User`` belongs to Django, so the index is created here in SQL: a unique index on ``lower(email)`` over the
accounts that have an address (``createsuperuser`` may leave it blank). PostgreSQL and SQLite both support
expression and partial indexes with this syntax.
"""

from django.db import migrations

INDEX = "accounts_user_unique_email_ci"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE UNIQUE INDEX {INDEX} ON auth_user (lower(email)) WHERE email <> ''",
            reverse_sql=f"DROP INDEX {INDEX}",
        ),
    ]
