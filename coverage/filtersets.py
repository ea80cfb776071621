import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema_field

from coverage.models import Snapshot
from papers.filtersets import CodingFilterSet
from taxonomy.filtersets import FaultCodeFilter
from taxonomy.models import Fault


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
