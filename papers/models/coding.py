"""Double coding: independent codings of one paper (kept apart from the approved mappings), and their adjudication."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Prefetch
from django.urls import reverse
from simple_history.models import HistoricalRecords

from papers.models.paper import FaultMapping, Paper, Submission
from taxonomy.models import Fault, Method, Strength


class UidManager(models.Manager):
    def get_by_natural_key(self, uid):
        return self.get(uid=uid)


class CodingQuerySet(models.QuerySet):
    def submitted(self) -> "CodingQuerySet":
        return self.filter(submitted_at__isnull=False)  # an open (requested) coding has no submitted_at

    def visible(self) -> "CodingQuerySet":
        """Submitted codings of papers without an open coding in their sample (a first coding stays hidden)."""
        open_coding = Coding.objects.filter(
            paper_id=models.OuterRef("paper_id"), sample=models.OuterRef("sample"), submitted_at__isnull=True
        )
        return self.submitted().exclude(models.Exists(open_coding))

    def for_list(self) -> "CodingQuerySet":
        """Visible codings, paper joined, ``adjudicated``, mappings (fault) and methods prefetched: 3 queries."""
        decided = Adjudication.objects.filter(paper_id=models.OuterRef("paper_id"), sample=models.OuterRef("sample"))
        return (
            self.visible()
            .select_related("paper")
            .annotate(adjudicated=models.Exists(decided))
            .prefetch_related(
                Prefetch("mappings", CodedMapping.objects.select_related("fault").order_by("fault__position")),
                Prefetch("methods", Method.objects.only("code", "name", "parent_id")),
            )
            .order_by("paper__key", "sample", "round")
        )


class Coding(models.Model):
    """One coder's independent, blind set of mappings for one paper; never counted in coverage nor edited later."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Stable identity of the coding.")
    # PROTECT: deleting a paper must not silently take its codings (and the agreement measured on them) along.
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="codings", help_text="The paper coded.")
    sample = models.CharField(max_length=100, help_text="The sample the double coding belongs to.")
    round = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(2)],
        help_text="1 for the first coding of the paper in its sample, 2 for the second.",
    )
    coder = models.CharField(max_length=150, help_text="A named editor of the seed data (E1…) or a username.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="codings",
        help_text="The curator making or who made it (from “Code it blind”); empty for the seed's editors.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coding_requests",
        help_text="The curator who asked for the second coding; empty for the seed.",
    )
    methods = models.ManyToManyField(
        Method, blank=True, related_name="codings", help_text="The debugging methods the coder saw in the paper."
    )
    note = models.TextField(blank=True, help_text="The coder's note on the coding as a whole.")
    abstract_source_url = models.URLField(max_length=500, blank=True, help_text="Where the coder read the abstract.")
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="Empty while a requested coding is open.")

    objects = UidManager.from_queryset(CodingQuerySet)()

    class Meta:
        ordering = ["paper__key", "sample", "round"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "sample", "round"], name="%(app_label)s_%(class)s_unique_round"),
        ]

    def __str__(self):
        return f"{self.paper_id} {self.sample} #{self.round} by {self.coder}"

    def natural_key(self):
        return (str(self.uid),)

    natural_key.dependencies = ["papers.paper", "taxonomy.method"]

    def get_absolute_url(self):
        return reverse("papers:paper-detail", args=[self.paper.key]) + "#double-coding"


class CodedMapping(models.Model):
    """One mapping of a coding: which fault the coder saw the paper address, how strongly, and why."""

    uid = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, help_text="Stable identity of the coded mapping."
    )
    coding = models.ForeignKey(Coding, on_delete=models.CASCADE, related_name="mappings", help_text="Its coding.")
    fault = models.ForeignKey(
        Fault, on_delete=models.PROTECT, related_name="coded_mappings", help_text="The fault the coder mapped it to."
    )
    strength = models.CharField(
        max_length=16, choices=Strength.choices, help_text="Explicit: the paper names the fault; partial: it may help."
    )
    evidence_kind = models.CharField(
        max_length=40,
        choices=FaultMapping.EvidenceKind.choices,
        default=FaultMapping.EvidenceKind.ABSTRACT,
        help_text="What the coder read to decide.",
    )
    rationale = models.TextField(help_text="Why the coder mapped the paper to this fault.")

    objects = UidManager()

    class Meta:
        ordering = ["coding", "fault__position"]
        constraints = [
            models.UniqueConstraint(fields=["coding", "fault"], name="%(app_label)s_%(class)s_unique_fault"),
        ]

    def __str__(self):
        return f"{self.coding} → {self.fault_id} ({self.strength})"

    def natural_key(self):
        return (str(self.uid),)

    natural_key.dependencies = ["papers.coding", "taxonomy.fault"]


class Adjudication(models.Model):
    """A curator's decision on a double-coded paper (pending until it exists), applied like an approved submission;
    a row of its own, never a field of a seeded coding, so reloading the seed cannot undo it."""

    uid = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, help_text="Stable identity of the decision."
    )
    paper = models.ForeignKey(
        Paper, on_delete=models.PROTECT, related_name="adjudications", help_text="The double-coded paper."
    )
    sample = models.CharField(max_length=100, help_text="The sample of the two codings decided on.")
    decided_by = models.CharField(max_length=150, help_text="The curator (username) or editor who decided.")
    decided_at = models.DateTimeField(help_text="When the decision was made.")
    reason = models.TextField(help_text="Why the final mappings are these.")
    submission = models.OneToOneField(
        Submission,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjudication",
        help_text="The submission that carried the final mappings through review; empty for the seed's.",
    )

    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))
    objects = UidManager()

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "sample"], name="%(app_label)s_%(class)s_unique_paper_sample"),
        ]

    def __str__(self):
        return f"Adjudication of {self.paper_id} ({self.sample})"

    def natural_key(self):
        return (str(self.uid),)

    natural_key.dependencies = ["papers.paper", "papers.submission"]

    def get_absolute_url(self):
        return reverse("papers:paper-detail", args=[self.paper.key]) + "#double-coding"
