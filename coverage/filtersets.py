import django_filters
from django.db.models import Q, QuerySet

from coverage.models import Snapshot


class SnapshotFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search name, description")

    class Meta:
        model = Snapshot
        fields = ["q"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value)) if value else queryset
