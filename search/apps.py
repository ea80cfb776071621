from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "search"
    verbose_name = "Site search"

    def ready(self):
        from search import index

        # After every migrate: (re)create the change triggers on the indexed tables. A migration that remakes one
        # of those tables on SQLite (table rebuild on ALTER) drops its triggers; this puts them back.
        post_migrate.connect(index.install_triggers, sender=self, dispatch_uid="search-install-triggers")
