"""Coverage's own records: frozen snapshots of the approved mapping set, so published figures stay reproducible."""

from django.db import models
from django.urls import reverse

from taxonomy.models import Fault, Strength

#
# Snapshots: a frozen mapping set, so published figures stay reproducible
#


class SnapshotManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class Snapshot(models.Model):
    """A named, frozen copy of the approved mapping set and of the coverage figures computed from it."""

    name = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)
    figures = models.JSONField(default=dict, help_text="coverage.summary_dict() at freezing time.")

    objects = SnapshotManager()

    class Meta:
        db_table = "taxonomy_snapshot"  # moved from taxonomy with its table (SeparateDatabaseAndState)
        ordering = ["created_at", "name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)

    def get_absolute_url(self):
        return reverse("coverage:snapshot-detail", args=[self.name])


class SnapshotEntry(models.Model):
    """One approved mapping as it stood when its snapshot was frozen (fault and strength are all coverage needs)."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="entries")
    fault = models.ForeignKey(Fault, on_delete=models.PROTECT, related_name="snapshot_entries")
    strength = models.CharField(max_length=16, choices=Strength.choices)
    methods = models.JSONField(default=list, blank=True, help_text="Method codes of the mapping when frozen.")
    mapping_uid = models.UUIDField()
    paper_key = models.CharField(max_length=120)
    paper_title = models.CharField(max_length=500)

    class Meta:
        db_table = "taxonomy_snapshotentry"  # moved from taxonomy with its table
        ordering = ["snapshot", "fault__position", "paper_key"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "mapping_uid"], name="%(app_label)s_%(class)s_unique_mapping"),
        ]

    def __str__(self):
        return f"{self.snapshot}: {self.paper_key} → {self.fault.code} ({self.strength})"
