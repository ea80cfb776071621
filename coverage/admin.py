from django.contrib import admin

from coverage.models import Snapshot, SnapshotEntry


class SnapshotEntryInline(admin.TabularInline):
    model = SnapshotEntry
    extra = 0
    can_delete = False
    readonly_fields = ["fault", "strength", "methods", "mapping_uid", "paper_key", "paper_title"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("fault")


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at", "created_by"]
    readonly_fields = ["name", "created_at", "created_by", "figures"]
    search_fields = ["name", "description"]
    inlines = [SnapshotEntryInline]

    def has_add_permission(self, request):
        return False  # snapshots are frozen through the app or `manage.py snapshot create`
