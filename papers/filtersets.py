import datetime

import django_filters
from django import forms
from django.db import models
from django.db.models import Min, Q, QuerySet
from django_filters.fields import IsoDateTimeField

from papers.blind import visible_papers
from papers.models import Coding, FaultMapping, Paper, Submission
from taxonomy.filtersets import FaultCodeFilter, IntegerRangeFilter, MethodCodeFilter, method_ids, subtree_ids
from taxonomy.models import Phase, ReviewStatus, Strength


class UTCDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC: the database need not accept every offset ISO allows (PostgreSQL
    refuses offsets past 15:59), and a moment that has no UTC date (year 1 shifted back) is a field error."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(datetime.UTC)
        except (OverflowError, ValueError) as error:
            raise forms.ValidationError("Enter a date-time between the years 1 and 9999.", code="invalid") from error


class SinceFilter(django_filters.IsoDateTimeFilter):
    """``?since=<ISO date-time>`` for polling clients."""

    field_class = UTCDateTimeField


class PaperFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search title, authors, venue, evidence")
    year = IntegerRangeFilter(label="Year (from–to)")
    method = MethodCodeFilter(method="filter_method", label="Debugging method")
    phase = django_filters.ChoiceFilter(choices=Phase.choices, method="filter_phase", label="Phase")
    fault = FaultCodeFilter(method="filter_fault", label="Addresses fault (id)")
    ancestor = FaultCodeFilter(method="filter_ancestor", label="Addresses any fault under (id)")
    strength = django_filters.ChoiceFilter(choices=Strength.choices, method="filter_strength", label="Mapping strength")
    origin = django_filters.ChoiceFilter(choices=Paper.Origin.choices, label="In the knowledge base because")
    since = SinceFilter(method="filter_since", label="Added, or given a newly approved mapping, since (ISO date-time)")
    ordering = django_filters.OrderingFilter(
        fields=(("year", "year"), ("title", "title"), ("mapping_count", "mappings")),
        label="Sort by",
    )

    class Meta:
        model = Paper
        fields = ["q", "year", "method", "phase", "fault", "ancestor", "strength", "origin", "since"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(authors__icontains=value)
            | Q(venue__icontains=value)
            | Q(evidence_note__icontains=value)
            | Q(doi__iexact=value)
            | Q(arxiv_id__iexact=value)
        )

    def _mapped(self, queryset: QuerySet, condition: Q) -> QuerySet:
        """Papers with an approved mapping meeting ``condition`` (a subquery, so no duplicate rows); never a paper
        the user codes blind (its presence would tell its mapping, ``papers.blind``)."""
        mapped = FaultMapping.objects.filter(condition, status=ReviewStatus.APPROVED)
        if self.request is not None:
            mapped = visible_papers(mapped, self.request)
        return queryset.filter(pk__in=mapped.values("paper_id"))

    def filter_method(self, queryset, name, value):
        return queryset.filter(pk__in=Paper.objects.filter(methods__in=method_ids(value)).values("pk"))

    def filter_phase(self, queryset, name, value):
        # JSON list containment works on PostgreSQL; SQLite has no JSON contains, so match the quoted token.
        return queryset.filter(phases__icontains=f'"{value}"')

    def filter_fault(self, queryset, name, value):
        return self._mapped(queryset, Q(fault=value))

    def filter_ancestor(self, queryset, name, value):
        return self._mapped(queryset, Q(fault_id__in=subtree_ids(value)))

    def filter_strength(self, queryset, name, value):
        return self._mapped(queryset, Q(strength=value))

    def filter_since(self, queryset, name, value):
        """For polling clients: papers created at or after ``value``, or with a mapping approved since then."""
        newly_mapped = FaultMapping.objects.filter(status=ReviewStatus.APPROVED, approved_at__gte=value)
        return queryset.filter(Q(created_at__gte=value) | Q(pk__in=newly_mapped.values("paper_id")))


class FaultMappingFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    paper = django_filters.CharFilter(field_name="paper__key", label="Paper (key)")
    fault = FaultCodeFilter(field_name="fault", label="Fault (id)")
    ancestor = FaultCodeFilter(method="filter_ancestor", label="Any fault under (id)")
    strength = django_filters.ChoiceFilter(choices=Strength.choices)
    method = MethodCodeFilter(method="filter_method", label="Debugging method")
    phase = django_filters.ChoiceFilter(choices=Phase.choices, method="filter_phase", label="Phase")
    year = IntegerRangeFilter(field_name="paper__year", label="Paper year")
    since = SinceFilter(field_name="approved_at", lookup_expr="gte", label="Approved at or after (ISO date-time)")

    class Meta:
        model = FaultMapping
        fields = ["q", "paper", "fault", "ancestor", "strength", "method", "phase", "year", "since"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(rationale__icontains=value) | Q(paper__title__icontains=value) | Q(fault__name__icontains=value)
        )

    def filter_ancestor(self, queryset, name, value):
        return queryset.filter(fault_id__in=subtree_ids(value))

    def filter_method(self, queryset, name, value):
        return queryset.filter(pk__in=FaultMapping.objects.filter(methods__in=method_ids(value)).values("pk"))

    def filter_phase(self, queryset, name, value):
        return queryset.filter(phases__icontains=f'"{value}"')


class SubmissionFilterSet(django_filters.FilterSet):
    """The review queue's and "my submissions" filters (the HTML pages and the API share it)."""

    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices, empty_label="any status")
    submitter = django_filters.CharFilter(field_name="submitter__username", label="Submitter (username)")
    fault = FaultCodeFilter(method="filter_fault", label="Fault (id)")
    claimed = django_filters.ChoiceFilter(
        choices=[("me", "Claimed by me"), ("unclaimed", "Unclaimed"), ("others", "Claimed by others")],
        method="filter_claimed",
        empty_label="anyone",
    )
    ordering = django_filters.OrderingFilter(
        fields=(("created_at", "age"), ("submitter__username", "submitter"), ("first_fault", "fault")),
        field_labels={"created_at": "Age", "submitter__username": "Submitter", "first_fault": "Fault"},
        label="Sort by",
    )

    class Meta:
        model = Submission
        fields = ["status", "submitter", "fault", "claimed"]

    def filter_fault(self, queryset, name, value):
        return queryset.filter(pk__in=FaultMapping.objects.filter(fault=value).values("submission_id"))

    def filter_claimed(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value == "unclaimed":
            return queryset.filter(claimed_by__isnull=True)
        if value == "me" and user is not None:
            return queryset.filter(claimed_by=user)
        if value == "others" and user is not None:
            return queryset.filter(claimed_by__isnull=False).exclude(claimed_by=user)
        return queryset

    @staticmethod
    def annotate(queryset):
        """The sort key for "fault": the lowest fault position among the submission's mappings."""
        return queryset.annotate(first_fault=Min("mappings__fault__position"))


class CodingFilterSet(django_filters.FilterSet):
    """Filters of the codings list and of the agreement figures (a coder filter keeps both codings of a paper)."""

    sample = django_filters.CharFilter(label="Sample")
    coder = django_filters.CharFilter(method="filter_coder", label="Papers coded by (coder)")
    paper = django_filters.CharFilter(field_name="paper__key", label="Paper (key)")

    class Meta:
        model = Coding
        fields = ["sample", "coder", "paper"]

    def filter_coder(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        coded = Coding.objects.filter(
            coder=value, paper_id=models.OuterRef("paper_id"), sample=models.OuterRef("sample")
        )
        return queryset.filter(models.Exists(coded))
