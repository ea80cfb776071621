from django.contrib import admin
from django.db.models import Q
from simple_history.admin import SimpleHistoryAdmin

from papers.blind import visible_papers
from papers.models import Adjudication, CodedMapping, Coding, FaultMapping, Paper, RelatedReference, Submission


class FaultMappingInline(admin.StackedInline):
    model = FaultMapping
    extra = 0
    autocomplete_fields = ["fault", "methods"]
    fields = ["fault", "status", "methods", *FaultMapping.CURATED_FIELDS]

    def get_queryset(self, request):
        # None of a paper the user codes blind (papers.blind).
        return visible_papers(super().get_queryset(request).select_related("fault"), request)


@admin.register(Paper)
class PaperAdmin(SimpleHistoryAdmin):
    list_display = ["title", "year", "venue", "origin", "status"]
    list_filter = ["origin", "status", "year"]
    search_fields = ["title", "key", "doi", "arxiv_id", "venue"]
    autocomplete_fields = ["methods"]
    raw_id_fields = ["submitted_by"]
    inlines = [FaultMappingInline]


@admin.register(FaultMapping)
class FaultMappingAdmin(SimpleHistoryAdmin):
    list_display = ["paper", "fault", "strength", "status", "approved_at"]
    list_filter = ["strength", "status", "evidence_kind"]
    list_select_related = ["paper", "fault"]
    search_fields = ["paper__title", "fault__code", "fault__name", "rationale"]
    autocomplete_fields = ["paper", "fault", "methods"]
    raw_id_fields = ["submission", "submitted_by"]
    readonly_fields = ["uid", "created_at", "updated_at"]

    def get_queryset(self, request):
        return visible_papers(super().get_queryset(request), request)  # none of a paper the user codes blind


@admin.register(Submission)
class SubmissionAdmin(SimpleHistoryAdmin):
    list_display = ["uid", "paper", "submitter", "status", "created_at", "claimed_by"]
    list_filter = ["status"]
    list_select_related = ["paper", "submitter", "claimed_by"]
    search_fields = ["paper__title", "submitter__username", "comment"]
    raw_id_fields = ["submitter", "paper", "claimed_by", "reviewed_by"]
    readonly_fields = ["uid", "created_at", "updated_at", "edited_by", "edited_at"]


@admin.register(RelatedReference)
class RelatedReferenceAdmin(admin.ModelAdmin):
    list_display = ["title", "authors", "year"]
    search_fields = ["title", "authors", "reason"]


#
# Double coding: read-only records of the agreement workflow (/agreement/queue/ makes them)
#


class CodedMappingInline(admin.TabularInline):
    """A coding's mappings: never edited, added or deleted (a submitted coding is never changed)."""

    model = CodedMapping
    extra = 0
    can_delete = False
    fields = readonly_fields = ["fault", "strength", "evidence_kind", "rationale"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("fault")


@admin.register(Coding)
class CodingAdmin(admin.ModelAdmin):
    """Codings are read here, never made or changed: they come from the seed or from "Ask for a blind second
    coding", and a submitted one is what the agreement figures are computed from. An open coding may be handed
    to someone else (its ``user``) or, if it was asked for by mistake, deleted."""

    list_display = ["paper", "sample", "round", "coder", "user", "submitted_at"]
    list_filter = ["sample", "round"]
    list_select_related = ["paper", "user"]
    search_fields = ["paper__title", "paper__key", "coder", "sample", "note"]
    raw_id_fields = ["user"]
    fields = [
        "uid",
        "paper",
        "sample",
        "round",
        "coder",
        "user",
        "requested_by",
        "methods",
        "note",
        "abstract_source_url",
        "submitted_at",
    ]
    inlines = [CodedMappingInline]

    def get_queryset(self, request):
        # As on the site: a first coding stays hidden while its blind second is open, and none of a paper the user
        # codes blind.
        queryset = super().get_queryset(request)
        queryset = queryset.filter(Q(submitted_at__isnull=True) | Q(pk__in=Coding.objects.visible().values("pk")))
        return visible_papers(queryset, request)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.submitted_at is None:
            return [f for f in self.fields if f != "user"]
        return self.fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.submitted_at is not None:
            return False  # a submitted coding is never changed
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.submitted_at is not None:
            return False  # the agreement figures and adjudications rest on it
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would not ask per coding whether it was submitted
        return actions


@admin.register(Adjudication)
class AdjudicationAdmin(SimpleHistoryAdmin):
    """A curator's decision, made at /agreement/codings/<uid>/adjudicate/: read here with its history, never
    added, changed or deleted (its mappings went through the review path; undoing it is a new decision there)."""

    list_display = ["paper", "sample", "decided_by", "decided_at", "submission"]
    list_filter = ["sample"]
    list_select_related = ["paper", "submission"]
    search_fields = ["paper__title", "paper__key", "decided_by", "reason"]
    fields = readonly_fields = ["uid", "paper", "sample", "decided_by", "decided_at", "reason", "submission"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
