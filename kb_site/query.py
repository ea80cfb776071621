"""Query helpers shared by the apps."""

from django.db.models import Count, IntegerField, Model, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_related(model: type[Model], field_name: str, *, distinct: str | None = None, **filters) -> Coalesce:
    """An annotation counting ``model`` rows whose ``field_name`` points at the outer row (0 when none).

    A correlated subquery rather than ``Count`` over a join, so several counts on one queryset never
    multiply each other's rows. ``distinct`` counts distinct values of that field instead of rows.
    """
    rows = model._default_manager.filter(**{field_name: OuterRef("pk")}, **filters).order_by()
    counted = Count(distinct, distinct=True) if distinct else Count("pk")
    subquery = rows.values(field_name).annotate(n=counted).values("n")
    return Coalesce(Subquery(subquery, output_field=IntegerField()), 0)
