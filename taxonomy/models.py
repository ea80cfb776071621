from decimal import Decimal

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from kb_site.query import count_related

#
# Shared vocabularies (other apps import these; taxonomy imports no other app)
#


class ReviewStatus(models.TextChoices):
    """Life cycle of a curated record (a paper or a paper-to-fault mapping)."""

    PENDING = "pending", "Pending review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RETRACTED = "retracted", "Retracted"


class Strength(models.TextChoices):
    """How directly a paper targets a fault (see survey-data/README.md)."""

    EXPLICIT = "explicit", "Explicit"
    PARTIAL = "partial", "Partial"


class Phase(models.TextChoices):
    DETECTION = "detection", "Detection"
    LOCALISATION = "localisation", "Localisation"
    FIXING = "fixing", "Fixing"


#
# Sources and reported figures
#


class SourceManager(models.Manager):
    def get_by_natural_key(self, key):
        return self.get(key=key)


class Source(models.Model):
    """A citable work the knowledge base draws data or figures from (a paper, a dataset, our own curation)."""

    key = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=500)
    authors = models.TextField(blank=True, help_text="Authors as they appear in the citation.")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    venue = models.CharField(max_length=300, blank=True)
    doi = models.CharField(max_length=200, blank=True)
    arxiv_id = models.CharField(max_length=50, blank=True)
    url = models.URLField(max_length=500, blank=True)
    licence = models.CharField(max_length=200, blank=True)
    attribution = models.TextField(blank=True, help_text="Attribution text that must be shown where the data appears.")
    note = models.TextField(blank=True)

    objects = SourceManager()

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.key,)

    def get_absolute_url(self):
        return reverse("coverage:sources") + f"#source-{self.key}"

    @property
    def citation(self) -> str:
        parts = [self.authors, f"({self.year})" if self.year else "", f"“{self.title}”", self.venue]
        ident = f"arXiv:{self.arxiv_id}" if self.arxiv_id else (f"doi:{self.doi}" if self.doi else "")
        return " ".join(p for p in parts + [ident] if p)


class ReportedFigureManager(models.Manager):
    def get_by_natural_key(self, key):
        return self.get(key=key)


class ReportedFigure(models.Model):
    """A figure a source published (e.g. the survey's share of faults addressed): stored and cited, never computed."""

    class Unit(models.TextChoices):
        PERCENT = "percent", "Percent"
        COUNT = "count", "Count"

    key = models.SlugField(max_length=100, unique=True)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="reported_figures")
    value = models.DecimalField(max_digits=10, decimal_places=2)
    unit = models.CharField(max_length=16, choices=Unit.choices)
    of = models.CharField("share of / count of", max_length=300)
    locator = models.CharField(max_length=200, blank=True)
    numerator = models.PositiveIntegerField(null=True, blank=True)
    denominator = models.PositiveIntegerField(null=True, blank=True)
    computed_counterpart = models.CharField(
        max_length=100,
        blank=True,
        help_text="Key of the computed figure this one is shown beside (e.g. leaves.addressed_pct).",
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = ReportedFigureManager()

    class Meta:
        ordering = ["position", "key"]

    def __str__(self):
        return f"{self.key} = {self.display_value}"

    @property
    def display_value(self) -> str:
        """Percentages with one decimal and a % sign, counts as whole numbers."""
        value = Decimal(str(self.value))
        if self.unit == self.Unit.PERCENT:
            return f"{value:.1f}%"
        return f"{value:.0f}"

    def natural_key(self):
        return (self.key,)

    natural_key.dependencies = ["taxonomy.source"]

    def get_absolute_url(self):
        return reverse("coverage:sources") + f"#figure-{self.key}"


#
# Faults
#


class FaultQuerySet(models.QuerySet):
    def tree(self) -> "FaultQuerySet":
        """Every node with the fields the tree needs, in display order: one query."""
        return self.order_by("position", "code")

    def leaves(self) -> "FaultQuerySet":
        return self.filter(kind=Fault.Kind.LEAF)

    def for_list(self) -> "FaultQuerySet":
        return self.select_related("parent").order_by("position", "code")

    def for_detail(self) -> "FaultQuerySet":
        return self.select_related("parent", "source")

    def with_children_count(self) -> "FaultQuerySet":
        """Each node's number of children (one correlated subquery). Coverage counts (mappings, papers,
        practitioner evidence) are the coverage engine's: ``/api/coverage/faults/``."""
        return self.annotate(children_count=count_related(Fault, "parent"))


class FaultManager(models.Manager.from_queryset(FaultQuerySet)):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Fault(models.Model):
    """A node of the fault taxonomy: a category, or a leaf fault that real ML software exhibits."""

    class Kind(models.TextChoices):
        CATEGORY = "category", "Category"
        LEAF = "leaf", "Leaf fault"

    class Origin(models.TextChoices):
        HUMBATOVA2020 = "humbatova2020", "Humbatova et al. (ICSE 2020)"
        KB_EXTENSION = "kb-extension", "Knowledge-base extension"
        CURATOR = "curator", "Added by a curator"

    code = models.CharField(
        "fault id",
        max_length=40,
        unique=True,
        help_text="Stable public identifier such as H-1.2.3-1; permanent, never renumbered or reused.",
    )
    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    definition = models.TextField(blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    origin = models.CharField(max_length=20, choices=Origin.choices)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="faults")
    first_seen_in = models.CharField(max_length=40, blank=True, help_text="GitHub/StackOverflow or interviews only.")
    replication_code = models.CharField(max_length=20, blank=True)
    provenance = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Display order within the whole tree.")

    history = HistoricalRecords()
    objects = FaultManager()

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(code=""),
                name="%(app_label)s_%(class)s_code_not_empty",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def natural_key(self):
        return (self.code,)

    natural_key.dependencies = ["taxonomy.source"]

    def get_absolute_url(self):
        return reverse("coverage:fault-detail", args=[self.code])

    @property
    def is_leaf(self) -> bool:
        return self.kind == self.Kind.LEAF


#
# Debugging methods
#


class MethodManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Method(models.Model):
    """A debugging technique family (two levels: Testing, Diagnosis, Repair and their subtypes)."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    definition = models.TextField(blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveIntegerField(default=0)

    objects = MethodManager()

    class Meta:
        ordering = ["position", "code"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)

    def get_absolute_url(self):
        return reverse("papers:paper-list") + f"?method={self.code}"

    @property
    def top_level(self) -> "Method":
        return self.parent or self
