from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from coverage import releases
from coverage.forms import ReleaseForm
from coverage.models import Release, Snapshot, SnapshotEntry
from coverage.release_archive import ArchiveError


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


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Curators publish here too: the add form publishes (coverage.releases.publish); a release never changes."""

    form = ReleaseForm
    list_display = ["version", "name", "date", "snapshot", "published_at", "published_by"]
    list_select_related = ["snapshot"]
    search_fields = ["version", "name", "description"]
    readonly_fields = [
        "version",
        "name",
        "date",
        "licence",
        "description",
        "release_notes",
        "snapshot",
        "previous",
        "published_at",
        "published_by",
        "url",
        "figures",
        "changes",
        "archive_sha256",
        "archive_size",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("archive")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ReleaseForm.Meta.fields

    def has_change_permission(self, request, obj=None):
        return False  # a published release never changes: its page in the admin is read-only

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied("A published release never changes.")
        url = request.build_absolute_uri(reverse("coverage:release-detail", args=[form.cleaned_data["version"]]))
        try:
            published = releases.publish(**form.cleaned_data, url=url, published_by=request.user.get_username())
        except (releases.ReleaseError, ArchiveError) as exc:
            raise ValidationError(str(exc)) from exc
        obj.pk = published.pk
        obj._state.adding = False
