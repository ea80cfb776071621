"""Filters for faults, and the fault filters every other list reuses (by id, anywhere under).

Filters by coverage status or practitioner evidence are the coverage app's (``coverage/filtersets.py``).

One FilterSet per list, shared by the HTML list view and the API viewset, so ``?ancestor=H-5`` means the
same on both.
"""

from __future__ import annotations

from collections import defaultdict

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from taxonomy.models import Fault, Method, ReportedFigure


class CodeChoiceField(django_filters.fields.ModelChoiceField):
    """A choice by code; a value no code can have (a NUL character, which PostgreSQL refuses) is invalid up front."""

    def to_python(self, value):
        if isinstance(value, str) and "\x00" in value:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


@extend_schema_field({"type": "string", "example": "H-1.2.3-1"})  # the API schema's type: a fault id string
class FaultCodeFilter(django_filters.ModelChoiceFilter):
    """A fault named by its stable id (``H-1.2.3-1``); an unknown id is a validation error (HTTP 400)."""

    field_class = CodeChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Fault.objects.all())
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "example": "M-T"})
class MethodCodeFilter(django_filters.ModelChoiceFilter):
    """A debugging method by code (``M-T`` or ``M-T-GEN``); a top-level code also matches its subtypes."""

    field_class = CodeChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Method.objects.all())
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)


class WholeNumberField(forms.IntegerField):
    """Digits with an optional sign, nothing else (Django's IntegerField also takes ``1.0``)."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not value.strip().lstrip("+-").isdigit():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    """A whole number (``?interview=1.5`` is an error, not interview 1)."""

    field_class = WholeNumberField

    def __init__(self, *args, **kwargs):
        # Database integers are at most 64-bit; a larger value is a validation error, not a driver overflow.
        kwargs.setdefault("min_value", -(2**63) + 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class IntegerRangeField(django_filters.fields.RangeField):
    def __init__(self, fields=None, *args, **kwargs):
        bounds = {"min_value": -(2**63) + 1, "max_value": 2**63 - 1}
        super().__init__(fields or (WholeNumberField(**bounds), WholeNumberField(**bounds)), *args, **kwargs)
        # The two boxes share one <label> that cannot point at both: each gets its own accessible name.
        for widget, end in zip(self.widget.widgets, ("from", "to"), strict=True):
            widget.attrs.setdefault("aria-label", f"{self.label or 'Range'}, {end}")
            widget.attrs.setdefault("inputmode", "numeric")


@extend_schema_field(OpenApiTypes.INT)
class IntegerRangeFilter(django_filters.RangeFilter):
    """``?<name>_min=&<name>_max=`` with whole numbers (years)."""

    field_class = IntegerRangeField


def subtree_ids(fault: Fault) -> list[int]:
    """Ids of ``fault`` and all its descendants (one query for the whole tree's (id, parent) pairs: no ``Fault``
    objects, which cost more to build than the lists filtered by them at ~1,100 faults)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in Fault.objects.order_by().values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    ids, seen, stack = [], set(), [fault.pk]
    while stack:
        pk = stack.pop()
        if pk not in seen:  # parent links that loop (never saved by the app) must not hang a request
            seen.add(pk)
            ids.append(pk)
            stack.extend(children[pk])
    return ids


def method_ids(method: Method) -> list[int]:
    """Ids of ``method`` and its subtypes (one query)."""
    return list(Method.objects.filter(Q(pk=method.pk) | Q(parent_id=method.pk)).values_list("pk", flat=True))


class FaultFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name, id or definition contains")
    parent = FaultCodeFilter(field_name="parent", label="Directly under")
    parent_id = IntegerFilter(field_name="parent_id", label="Directly under (database id, API only)")
    ancestor = FaultCodeFilter(method="filter_ancestor", label="Anywhere under")
    kind = django_filters.ChoiceFilter(choices=Fault.Kind.choices, label="Leaf fault or category")
    origin = django_filters.ChoiceFilter(choices=Fault.Origin.choices, label="Where it comes from")

    class Meta:
        model = Fault
        fields = ["q", "parent", "parent_id", "ancestor", "kind", "origin"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__iexact=value) | Q(definition__icontains=value))

    def filter_ancestor(self, queryset: QuerySet, name: str, value: Fault | None) -> QuerySet:
        return queryset.filter(pk__in=subtree_ids(value)) if value else queryset


class MethodFilterSet(django_filters.FilterSet):
    parent = MethodCodeFilter(field_name="parent", label="Subtype of (method code)")
    top_level = django_filters.BooleanFilter(field_name="parent", lookup_expr="isnull", label="Top-level families")

    class Meta:
        model = Method
        fields = ["parent", "top_level"]


class ReportedFigureFilterSet(django_filters.FilterSet):
    source = django_filters.CharFilter(field_name="source__key", label="Source (key)")
    unit = django_filters.ChoiceFilter(choices=ReportedFigure.Unit.choices)

    class Meta:
        model = ReportedFigure
        fields = ["source", "unit"]
