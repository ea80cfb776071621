from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from taxonomy.models import Fault, Method, ReportedFigure, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "year", "licence"]
    search_fields = ["key", "title", "authors"]


@admin.register(ReportedFigure)
class ReportedFigureAdmin(admin.ModelAdmin):
    list_display = ["key", "value", "unit", "of", "locator", "source"]
    list_filter = ["unit", "source"]
    list_select_related = ["source"]
    search_fields = ["key", "of"]


@admin.register(Fault)
class FaultAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "origin", "parent"]
    list_filter = ["kind", "origin"]
    list_select_related = ["parent"]
    search_fields = ["code", "name", "definition", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["position", "code"]

    def get_readonly_fields(self, request, obj=None):
        # Fault ids are permanent: once saved, never renumbered.
        return ["code"] if obj else []


@admin.register(Method)
class MethodAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
