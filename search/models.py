from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchDocument(models.Model):
    """One searchable record (a fault, paper, piece of evidence, challenge or interview), derived from the data.

    The index is derived: ``search.index.rebuild()`` rewrites every row from the domain tables. Columns ``a`` to
    ``d`` hold the indexed text by weight (A highest), spelling-normalised (see ``search.spelling``); ``text`` keeps
    the original wording for snippets. SQLite indexes ``a``-``d`` in the FTS5 table ``search_fts``; PostgreSQL
    stores their weighted ``english`` tsvector in ``vector`` (GIN-indexed).
    """

    class Kind(models.TextChoices):
        FAULT = "fault", "Fault"
        PAPER = "paper", "Paper"
        ARTIFACT = "artifact", "GitHub or StackOverflow evidence"
        MENTION = "mention", "Interview mention"
        CHALLENGE = "challenge", "Challenge"
        INTERVIEW = "interview", "Interview transcript"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=200, help_text="The record's identifier: fault id, paper key, pk or number.")
    title = models.CharField(max_length=600)
    subtitle = models.CharField(max_length=600, blank=True)
    url = models.CharField(max_length=600)
    fault_code = models.CharField(max_length=40, blank=True, help_text="The fault a fault hit is (for its status).")
    text = models.TextField(blank=True, help_text="Original wording the snippet is cut from.")
    a = models.TextField(blank=True)
    b = models.TextField(blank=True)
    c = models.TextField(blank=True)
    d = models.TextField(blank=True)
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["kind", "key"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="%(app_label)s_%(class)s_unique_kind_key")]

    def __str__(self):
        return f"{self.kind}: {self.title}"

    def get_absolute_url(self):
        return self.url


class IndexChange(models.Model):
    """A change to data the search index is built from, written by database triggers; consumed by a rebuild.

    While any row exists the index is out of date. Triggers (not Django signals) write these rows, so every kind of
    write counts: ORM saves, ``update()``, ``bulk_create``, ``loaddata``, raw SQL and other processes.
    """

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"change {self.pk}"
