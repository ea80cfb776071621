import django_filters
from django.db.models import Q

from challenges.models import Artifact, Challenge, InterviewMention
from coverage.filtersets import STATUS_CHOICES, fault_ids_with_status
from taxonomy.filtersets import FaultCodeFilter, IntegerFilter, subtree_ids


class _FaultFilters(django_filters.FilterSet):
    """Fault filters shared by every list of practitioner evidence."""

    fault = FaultCodeFilter(field_name="fault", label="Fault (id)")
    ancestor = FaultCodeFilter(method="filter_ancestor", label="Any fault under (id)")
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status", label="Fault status")
    unclassified = django_filters.BooleanFilter(
        field_name="fault", lookup_expr="isnull", label="Unclassified (no fault)"
    )

    def __init__(self, *args, coverage_data=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.coverage_data = coverage_data  # the live coverage a page already reads (default: read it here)

    def filter_ancestor(self, queryset, name, value):
        return queryset.filter(fault_id__in=subtree_ids(value))

    def filter_status(self, queryset, name, value):
        return queryset.filter(fault_id__in=fault_ids_with_status(value, self.coverage_data))


class ArtifactFilterSet(_FaultFilters):
    q = django_filters.CharFilter(method="search", label="Search tag, URL, repository")
    source = django_filters.ChoiceFilter(choices=Artifact.Source.choices)
    kind = django_filters.ChoiceFilter(choices=Artifact.Kind.choices)
    framework = django_filters.ChoiceFilter(choices=Artifact.Framework.choices)
    labelling_round = IntegerFilter()
    ordering = django_filters.OrderingFilter(
        fields=(("url", "url"), ("framework", "framework"), ("labelling_round", "round"), ("fault__position", "fault")),
        label="Sort by",
    )

    class Meta:
        model = Artifact
        fields = ["q", "source", "kind", "framework", "labelling_round", "fault", "ancestor", "status", "unclassified"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(final_tag__icontains=value) | Q(url__icontains=value) | Q(repository__icontains=value))


class InterviewMentionFilterSet(_FaultFilters):
    q = django_filters.CharFilter(field_name="tag", lookup_expr="icontains", label="Search tag")
    interview = IntegerFilter(field_name="interview__number", label="Interview number")

    class Meta:
        model = InterviewMention
        fields = ["q", "interview", "fault", "ancestor", "status", "unclassified"]


class ChallengeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    group = django_filters.ChoiceFilter(choices=Challenge.Group.choices)
    status = django_filters.ChoiceFilter(choices=Challenge.Status.choices)
    fault = FaultCodeFilter(field_name="faults", label="Related fault (id)", distinct=True)

    class Meta:
        model = Challenge
        fields = ["q", "group", "status", "fault"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value) | Q(note__icontains=value))
