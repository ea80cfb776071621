"""Bump the coverage data version when taxonomy data coverage reads changes (see ``taxonomy/cache.py``)."""

from django.db.models.signals import post_migrate

from coverage.cache import bump_data_version, bump_on_change
from taxonomy.models import Fault, Method, ReportedFigure, Source


def _after_migrate(sender, **kwargs) -> None:
    # `migrate` and `flush` (which empties every table) both end with post_migrate.
    bump_data_version()


def connect() -> None:
    bump_on_change(Fault, Method, ReportedFigure, Source)
    post_migrate.connect(_after_migrate, dispatch_uid="kb-coverage-post-migrate", weak=False)
