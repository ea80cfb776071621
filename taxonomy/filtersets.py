"""Filters for faults, and the fault filters every other list reuses (by id, anywhere under, by status).

One FilterSet per list, shared by the HTML list view and the API viewset, so ``?ancestor=H-5`` means the
same on both.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from taxonomy import coverage
from taxonomy.models import Fault, Method
from taxonomy.tree import build_tree


class FaultCodeFilter(django_filters.ModelChoiceFilter):
    """A fault named by its stable id (``H-1.2.3-1``); an unknown id is a validation error (HTTP 400)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Fault.objects.all())
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)


class MethodCodeFilter(django_filters.ModelChoiceFilter):
    """A debugging method by code (``M-T`` or ``M-T-GEN``); a top-level code also matches its subtypes."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Method.objects.all())
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)


def subtree_ids(fault: Fault) -> list[int]:
    """Ids of ``fault`` and all its descendants (one query for the whole tree)."""
    return build_tree().by_id[fault.pk].descendant_ids()


def method_ids(method: Method) -> list[int]:
    """Ids of ``method`` and its subtypes (one query)."""
    return list(Method.objects.filter(Q(pk=method.pk) | Q(parent_id=method.pk)).values_list("pk", flat=True))


def fault_ids_with_status(status: str) -> list[int]:
    """Leaf ids whose computed coverage status is ``status`` (a fixed handful of queries)."""
    return [row.fault.pk for row in coverage.fault_coverage() if row.status == status]


STATUS_CHOICES = [(s.value, s.label) for s in coverage.Status]


class FaultFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    parent = FaultCodeFilter(field_name="parent", label="Parent (fault id)")
    parent_id = django_filters.NumberFilter(field_name="parent_id", label="Parent (database id)")
    ancestor = FaultCodeFilter(method="filter_ancestor", label="Anywhere under (fault id)")
    kind = django_filters.ChoiceFilter(choices=Fault.Kind.choices)
    origin = django_filters.ChoiceFilter(choices=Fault.Origin.choices)
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status", label="Coverage status")
    evidence = django_filters.ChoiceFilter(
        choices=[
            ("github", "Has GitHub evidence"),
            ("stackoverflow", "Has StackOverflow evidence"),
            ("interviews", "Has interview evidence"),
            ("none", "Has no practitioner evidence"),
        ],
        method="filter_evidence",
        label="Practitioner evidence",
    )

    class Meta:
        model = Fault
        fields = ["q", "parent", "parent_id", "ancestor", "kind", "origin", "status", "evidence"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__iexact=value) | Q(definition__icontains=value))

    def filter_ancestor(self, queryset: QuerySet, name: str, value: Fault | None) -> QuerySet:
        return queryset.filter(pk__in=subtree_ids(value)) if value else queryset

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(pk__in=fault_ids_with_status(value)) if value else queryset

    def filter_evidence(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "github":
            return queryset.filter(artifacts__source="github").distinct()
        if value == "stackoverflow":
            return queryset.filter(artifacts__source="stackoverflow").distinct()
        if value == "interviews":
            return queryset.filter(interview_mentions__isnull=False).distinct()
        if value == "none":
            return queryset.filter(artifacts__isnull=True, interview_mentions__isnull=True)
        return queryset
