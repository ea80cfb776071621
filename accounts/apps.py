from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_curators_group, sender=self)


def _ensure_curators_group(sender, using, **kwargs):
    """After every migrate (and every flush, which ends with the same signal): the curators group holds the
    permissions curators need, including those of models added since the roles migration ran."""
    from accounts.roles import curators_group

    curators_group()
