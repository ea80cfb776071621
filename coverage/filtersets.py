"""Filters that need coverage or practitioner evidence: a fault's computed status, the evidence classified to it.

``CoverageFaultFilterSet`` is taxonomy's ``FaultFilterSet`` plus ``status`` and ``evidence``: the explorer page,
``/api/coverage/faults/`` and ``/api/coverage/categories/`` share it. Lists of practitioner evidence filter by
their fault's status with ``fault_ids_with_status``.
"""

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema_field

from challenges.models import Artifact, InterviewMention
from coverage import coverage
from coverage.live import LiveCoverage, live
from coverage.models import Snapshot
from papers.filtersets import CodingFilterSet
from taxonomy.filtersets import FaultCodeFilter, FaultFilterSet
from taxonomy.models import Fault

STATUS_CHOICES = [(s.value, s.label) for s in coverage.Status]


def fault_ids_with_status(status: str, data: coverage.CoverageData | LiveCoverage | None = None) -> list[int]:
    """Leaf ids whose computed coverage status (in ``data``, the live coverage by default) is ``status``."""
    source = data if data is not None else live()
    if isinstance(source, LiveCoverage):
        return source.outline.ids_with_status(status)  # the live statuses alone, not every row
    return [row.fault.pk for row in source.rows if row.status == status]


class CoverageFaultFilterSet(FaultFilterSet):
    """Faults by their coverage status (in the coverage being shown: live, a snapshot's, as of a moment) and by
    the practitioner evidence classified to them."""

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

    class Meta(FaultFilterSet.Meta):
        fields = [*FaultFilterSet.Meta.fields, "status", "evidence"]

    def __init__(self, *args, coverage_data: coverage.CoverageData | LiveCoverage | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.coverage_data = coverage_data

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(pk__in=fault_ids_with_status(value, self.coverage_data)) if value else queryset

    def filter_evidence(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        classified_artifacts = Artifact.objects.filter(fault__isnull=False)
        classified_mentions = InterviewMention.objects.filter(fault__isnull=False).values("fault_id")
        if value in (Artifact.Source.GITHUB, Artifact.Source.STACKOVERFLOW):
            return queryset.filter(pk__in=classified_artifacts.filter(source=value).values("fault_id"))
        if value == "interviews":
            return queryset.filter(pk__in=classified_mentions)
        if value == "none":
            return queryset.exclude(pk__in=classified_artifacts.values("fault_id")).exclude(pk__in=classified_mentions)
        return queryset


class SnapshotFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search name, description")

    class Meta:
        model = Snapshot
        fields = ["q"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value)) if value else queryset


@extend_schema_field({"type": "string", "example": "seed"})
class SnapshotNameFilter(django_filters.ModelChoiceFilter):
    """A snapshot by name; an unknown name is a validation error (HTTP 400)."""


class AgreementFilterSet(CodingFilterSet):
    """The agreement page's and ``/api/agreement/``'s filters: the codings' own, plus what the engine applies
    to the figures (a top-level category, the adjudication state and a snapshot)."""

    category = FaultCodeFilter(
        queryset=Fault.objects.filter(parent__isnull=True), method="computed", label="Top-level category (id)"
    )
    adjudication = django_filters.ChoiceFilter(
        choices=[("pending", "Pending"), ("done", "Adjudicated")], method="computed", label="Adjudication"
    )
    snapshot = SnapshotNameFilter(
        queryset=Snapshot.objects.all(), to_field_name="name", method="computed", label="Snapshot (name)"
    )

    class Meta(CodingFilterSet.Meta):
        fields = [*CodingFilterSet.Meta.fields, "category", "adjudication", "snapshot"]

    def computed(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # Not a row filter: coverage.agreement.agreement() applies it to the figures (see engine_options).
        return queryset

    def engine_options(self) -> dict:
        """The keyword arguments of ``agreement()`` (call after validation)."""
        data = self.form.cleaned_data
        return {
            "category": data.get("category"),
            "adjudication": data.get("adjudication") or "",
            "snapshot": data.get("snapshot"),
        }
