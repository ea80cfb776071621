import re
import unicodedata
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from simple_history.models import HistoricalRecords

from kb_site.query import count_related
from taxonomy.models import Fault, Method, ReviewStatus, Source, Strength


def normalise_title(title: str) -> str:
    """Lower-case, accent-free, punctuation-free title used to spot the same paper submitted twice."""
    text = unicodedata.normalize("NFKD", title or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[{}\\]", "", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
ARXIV_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})$")


#
# Papers
#


class PaperQuerySet(models.QuerySet):
    def public(self) -> "PaperQuerySet":
        """Papers anyone may see: approved ones (pending papers exist only inside submissions)."""
        return self.filter(status=ReviewStatus.APPROVED)

    def for_list(self) -> "PaperQuerySet":
        """Public papers, their methods and approved mappings' faults: 3 queries whatever the page size."""
        return (
            self.public()
            .prefetch_related(
                Prefetch("methods", Method.objects.only("code", "name", "parent_id")),
                Prefetch(
                    "mappings",
                    FaultMapping.objects.approved()
                    .select_related("fault")
                    .only("id", "paper_id", "strength", "fault__code", "fault__name", "fault__kind"),
                    to_attr="approved_mappings",
                ),
            )
            # A correlated subquery, not a join + GROUP BY over every paper: the list's count stays a plain COUNT and
            # the page computes it for its own rows (unless sorted by it).
            .annotate(mapping_count=count_related(FaultMapping, "paper", status=ReviewStatus.APPROVED))
            .order_by("-year", "title")
        )

    def for_detail(self) -> "PaperQuerySet":
        return self.public().prefetch_related(
            "methods",
            Prefetch(
                "mappings",
                FaultMapping.objects.approved().select_related("fault", "fault__parent").prefetch_related("methods"),
                to_attr="approved_mappings",
            ),
        )


class PaperManager(models.Manager.from_queryset(PaperQuerySet)):
    def get_by_natural_key(self, key):
        return self.get(key=key)


class Paper(models.Model):
    """A research paper that proposes a debugging technique for ML software."""

    class Origin(models.TextChoices):
        SURVEY = "survey-reference-list", "Survey reference list (Nguyen et al. 2025)"
        KB_CURATION = "kb-curation", "Added by knowledge-base editors"
        SUBMISSION = "submission", "Submitted by a researcher"

    # What a submitter states about a new paper: the submission form's paper fields, the API's ``paper`` object.
    SUBMITTED_FIELDS = ("title", "authors", "year", "venue", "doi", "arxiv_id", "url")

    key = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=500)
    title_normalised = models.CharField(max_length=500, db_index=True, editable=False)
    authors = models.JSONField(default=list, blank=True, help_text="Author names in order.")
    authors_complete = models.BooleanField(default=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    venue = models.CharField(max_length=300, blank=True)
    doi = models.CharField("DOI", max_length=200, null=True, blank=True)
    arxiv_id = models.CharField("arXiv id", max_length=50, null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    abstract_source_url = models.URLField(max_length=500, blank=True, help_text="Where the abstract was read.")
    abstract_read = models.BooleanField(default=False)
    origin = models.CharField(max_length=30, choices=Origin.choices)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="papers")
    evidence_note = models.TextField(blank=True)
    quote = models.TextField(blank=True)
    quote_locator = models.CharField(max_length=300, blank=True)
    methods = models.ManyToManyField(Method, blank=True, related_name="papers")
    phases = models.JSONField(default=list, blank=True)
    targets = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.APPROVED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="submitted_papers"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["title_normalised"], history_change_reason_field=models.TextField(null=True)
    )
    objects = PaperManager()

    class Meta:
        ordering = ["-year", "title"]
        constraints = [
            # One live paper per DOI, arXiv id, normalised title: a rejected one stays as history and blocks nothing.
            models.UniqueConstraint(
                fields=["doi"],
                condition=Q(doi__isnull=False) & ~Q(status="rejected"),
                name="%(app_label)s_%(class)s_unique_doi",
            ),
            models.UniqueConstraint(
                fields=["arxiv_id"],
                condition=Q(arxiv_id__isnull=False) & ~Q(status="rejected"),
                name="%(app_label)s_%(class)s_unique_arxiv",
            ),
            models.UniqueConstraint(
                fields=["title_normalised"],
                condition=~Q(title_normalised="") & ~Q(status="rejected"),
                name="%(app_label)s_%(class)s_unique_title",
            ),
            models.CheckConstraint(condition=~Q(doi=""), name="%(app_label)s_%(class)s_doi_null_not_empty"),
            models.CheckConstraint(condition=~Q(arxiv_id=""), name="%(app_label)s_%(class)s_arxiv_null_not_empty"),
        ]
        # The list order: a page of a filtered list walks it and stops at the page instead of sorting every match.
        indexes = [models.Index(fields=["-year", "title"], name="papers_paper_year_title")]

    def __str__(self):
        return f"{self.title} ({self.year})" if self.year else self.title

    def natural_key(self):
        return (self.key,)

    natural_key.dependencies = ["taxonomy.source", "taxonomy.method"]

    def get_absolute_url(self):
        return reverse("papers:paper-detail", args=[self.key])

    def save(self, *args, **kwargs):
        self.title_normalised = normalise_title(self.title)
        # Empty identifiers are stored as NULL so the partial unique constraints apply only to real ones.
        self.doi = self.doi.strip() or None if self.doi else None
        self.arxiv_id = self.arxiv_id.strip() or None if self.arxiv_id else None
        super().save(*args, **kwargs)

    @property
    def authors_display(self) -> str:
        names = list(self.authors or [])
        text = ", ".join(names)
        return text + (" et al." if names and not self.authors_complete else "")

    @property
    def link(self) -> str:
        """The paper's own address: its DOI, arXiv id or canonical URL, else "". Never ``abstract_source_url``: that is
        where an abstract was read (often a mirror), not the paper."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        return self.url


class RelatedReferenceManager(models.Manager):
    def get_by_natural_key(self, title):
        return self.get(title=title)


class RelatedReference(models.Model):
    """A background entry of the survey's reference list (survey, textbook, study) that proposes no technique."""

    title = models.CharField(max_length=500, unique=True)
    authors = models.CharField(max_length=500, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField("why it is not a technique paper")
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="related_references"
    )

    objects = RelatedReferenceManager()

    class Meta:
        ordering = ["-year", "title"]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.title,)

    natural_key.dependencies = ["taxonomy.source"]

    def get_absolute_url(self):
        return reverse("papers:related-list") + f"#ref-{self.pk}"


#
# Submissions and mappings
#


class SubmissionQuerySet(models.QuerySet):
    def for_list(self) -> "SubmissionQuerySet":
        """Submissions with paper and people joined, mappings (fault, methods) prefetched: 3 queries."""
        return self.select_related("paper", "submitter", "claimed_by", "reviewed_by").prefetch_related(
            Prefetch(
                "mappings",
                FaultMapping.objects.select_related("fault").prefetch_related("methods").order_by("fault__position"),
            )
        )


class Submission(models.Model):
    """A researcher's proposal of a paper (new or existing) and its fault mappings, reviewed by a curator."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submitter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions")
    paper = models.ForeignKey("Paper", on_delete=models.PROTECT, related_name="submissions")
    creates_paper = models.BooleanField(default=False, help_text="The paper itself is new and awaits review too.")
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    comment = models.TextField(blank=True, help_text="Submitter's note to the curators.")
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="claimed_submissions"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviewed_submissions"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    # A username, like FaultMapping.curated_by; the history keeps each edit's user, time, changes and reason.
    edited_by = models.CharField(
        "edited by curator", max_length=150, blank=True, help_text="The curator who last edited its content."
    )
    edited_at = models.DateTimeField("edited by curator at", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Review reasons are kept in full in the history (the default change-reason column stops at 100 characters).
    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))
    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="papers_subm_status_created")]

    def __str__(self):
        return f"Submission {self.uid} ({self.get_status_display()})"

    def natural_key(self):
        return (str(self.uid),)

    def get_absolute_url(self):
        return reverse("papers:submission-detail", args=[self.uid])

    @property
    def version(self) -> str:
        """Changes whenever the submission is saved; an edit form carries it to notice a concurrent edit."""
        return self.updated_at.isoformat() if self.updated_at else ""


class FaultMappingQuerySet(models.QuerySet):
    def approved(self) -> "FaultMappingQuerySet":
        return self.filter(status=ReviewStatus.APPROVED)

    def for_list(self) -> "FaultMappingQuerySet":
        """Approved mappings with paper and fault joined, methods prefetched: 2 queries."""
        return (
            self.approved()
            .select_related("paper", "fault")
            .prefetch_related(Prefetch("methods", Method.objects.only("code", "name", "parent_id")))
            .order_by("fault__position", "paper__title")
        )

    def first_per_group(self, group: models.Expression, limit: int) -> tuple[list["FaultMapping"], dict[str, int]]:
        """The first ``limit`` mappings of each ``group`` (an expression over the row) in list order, each with
        ``.group`` set, and every group's full size. 2 queries (plus this queryset's prefetches): the ranking over
        narrow rows (id, group, size: a top category ranks ~17,000 mappings at scale 100), then the chosen rows."""
        order = [F("fault__position").asc(), F("paper__title").asc(), F("pk").asc()]
        ranked = list(
            self.annotate(
                group=group,
                rank=Window(RowNumber(), partition_by=[group], order_by=order),
                group_total=Window(Count("pk"), partition_by=[group]),
            )
            .filter(rank__lte=limit)
            .values_list("pk", "group", "group_total")
        )
        groups = {pk: name for pk, name, _ in ranked}
        rows = list(self.filter(pk__in=list(groups)))
        for row in rows:
            row.group = groups[row.pk]
        return rows, {name: total for _, name, total in ranked}


class FaultMappingManager(models.Manager.from_queryset(FaultMappingQuerySet)):
    def get_by_natural_key(self, uid):
        return self.get(uid=uid)


class FaultMapping(models.Model):
    """A claim, with evidence, that a paper's technique addresses a fault (explicitly or partially)."""

    class EvidenceKind(models.TextChoices):
        ABSTRACT = "abstract", "The paper's abstract"
        ABSTRACT_LATER = "abstract (later version)", "A later version's abstract"
        ARTIFACT = "artifact", "The authors' artefact (tool, README)"
        SECONDARY = "secondary", "A secondary source"
        PAPER_TEXT = "paper text (intro excerpt)", "The paper's text (intro excerpt)"
        TITLE = "title", "The title only"
        FULL_TEXT = "full text", "The full text"

    # A mapping's stated values besides paper, fault and methods: the one list forms, API, admin and data tools use.
    CURATED_FIELDS = (
        "strength",
        "phases",
        "targets",
        "rationale",
        "evidence_kind",
        "evidence_note",
        "quote",
        "quote_locator",
    )

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="mappings")
    fault = models.ForeignKey(Fault, on_delete=models.PROTECT, related_name="mappings")
    strength = models.CharField(max_length=16, choices=Strength.choices)
    methods = models.ManyToManyField(Method, blank=True, related_name="mappings")
    phases = models.JSONField(default=list, blank=True)
    targets = models.JSONField(default=list, blank=True, help_text="Artefacts the technique works on.")
    rationale = models.TextField(help_text="Why this paper addresses this fault.")
    evidence_kind = models.CharField(max_length=40, choices=EvidenceKind.choices, default=EvidenceKind.ABSTRACT)
    evidence_note = models.TextField(blank=True)
    quote = models.TextField(blank=True)
    quote_locator = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="mappings"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="submitted_mappings"
    )
    curated_by = models.CharField(max_length=150, blank=True, help_text="Who curated or approved it.")
    approved_at = models.DateTimeField(null=True, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))
    objects = FaultMappingManager()

    class Meta:
        ordering = ["fault__position", "paper__title"]
        constraints = [
            # One live mapping per paper and fault; rejected and retracted ones stay as history.
            models.UniqueConstraint(
                fields=["paper", "fault"],
                condition=Q(status__in=["pending", "changes_requested", "approved"]),
                name="%(app_label)s_%(class)s_one_live_per_paper_fault",
            ),
        ]
        # Approved mappings of a set of faults (a subtree filter, a fault page) and their papers, read from the index
        # alone (an index-only scan: the papers list's "which papers map into S-1" reads 13,000 narrow entries).
        indexes = [models.Index(fields=["status", "fault", "paper"], name="papers_map_status_fault_paper")]

    def __str__(self):
        return f"{self.paper_id} → {self.fault_id} ({self.strength})"

    def natural_key(self):
        return (str(self.uid),)

    natural_key.dependencies = ["papers.paper", "taxonomy.fault", "taxonomy.method"]

    def get_absolute_url(self):
        return reverse("papers:paper-detail", args=[self.paper.key]) + f"#mapping-{self.uid}"
