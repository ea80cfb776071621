from django.apps import AppConfig


class CoverageConfig(AppConfig):
    """Statistics on top of the domain apps: the coverage engine, charts, the dashboard and snapshots."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "coverage"

    def ready(self):
        from coverage import signals

        signals.connect()
