"""Coverage's own records: frozen snapshots of the approved mapping set, so published figures stay reproducible."""

from django.core.validators import RegexValidator
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


#
# Releases: a snapshot published as a citable, immutable edition with its archive
#


class ReleaseImmutable(Exception):
    """A published release was about to change or be deleted; releases never change."""


class ReleaseQuerySet(models.QuerySet):
    def for_list(self) -> "ReleaseQuerySet":
        """Releases with their snapshot and previous release joined, without the archive bytes: 1 query."""
        return self.defer("archive", "previous__archive").select_related("snapshot", "previous")


class Release(models.Model):
    """A published, citable edition of the knowledge base: a frozen snapshot, its notes, figures and archive.

    Everything is fixed at publication (``coverage/releases.py``: ``publish``): the figures, the diff to the
    previous release and the zip archive (stored here, with its SHA-256), so a release never changes afterwards.
    """

    class Licence(models.TextChoices):
        CC_BY_4 = "CC-BY-4.0", "Creative Commons Attribution 4.0 (CC BY 4.0)"
        CC_BY_SA_4 = "CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)"

    version = models.CharField(
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(
                r"^[0-9A-Za-z][0-9A-Za-z.\-]*$", "Letters, digits, dots and hyphens, starting with a letter or digit."
            )
        ],
        help_text="Part of the release's permanent address (/releases/<version>/), e.g. 1.0 or 2026.11.",
    )
    name = models.CharField(max_length=200)
    description = models.TextField()
    release_notes = models.TextField(blank=True, help_text="Generated from the diff to the previous release, edited.")
    date = models.DateField("release date")
    licence = models.CharField(
        max_length=20,
        choices=Licence.choices,
        default=Licence.CC_BY_4,
        help_text="Licence of the release as a whole; its parts keep their own (LICENSES.md in the archive).",
    )
    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="releases")
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="The release before."
    )
    published_at = models.DateTimeField()
    published_by = models.CharField(max_length=150, blank=True)
    url = models.URLField("landing page", max_length=500, help_text="The release page's address at publication.")
    figures = models.JSONField(help_text="coverage.summary_dict() of the snapshot, as published.")
    changes = models.JSONField(default=dict, help_text="The diff to the previous release, as published.")
    archive = models.BinaryField(help_text="The zip archive, built once at publication.")
    archive_sha256 = models.CharField(max_length=64)
    archive_size = models.PositiveIntegerField()

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        get_latest_by = "published_at"

    def __str__(self):
        return f"{self.name} {self.version}"

    def get_absolute_url(self):
        return reverse("coverage:release-detail", args=[self.version])

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ReleaseImmutable(f"Release {self.version} is published; a published release never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReleaseImmutable(f"Release {self.version} is published; a published release is never deleted.")
