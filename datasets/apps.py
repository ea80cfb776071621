from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    """Data tooling: seed releases, the fixture builder, dataset export/import and synthetic data."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "datasets"
