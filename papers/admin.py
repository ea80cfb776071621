from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from papers.models import FaultMapping, Paper, RelatedReference, Submission


class FaultMappingInline(admin.StackedInline):
    model = FaultMapping
    extra = 0
    autocomplete_fields = ["fault", "methods"]
    fields = ["fault", "status", "methods", *FaultMapping.CURATED_FIELDS]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("fault")


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
