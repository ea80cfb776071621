"""The search index: kept in step with the data by database triggers, rebuilt when the data changed.

Every table a ``SearchDocument`` is built from carries triggers that record a change (``IndexChange``). A search
first looks for a change; if there is one, it rebuilds the whole index in one transaction (about 700 documents
for the real data, 7 queries to read it) and consumes the changes it saw. Changes committed during a rebuild leave
their row behind, so the next search rebuilds again: the index can lag by at most one search, never drift.

A rebuild grows with the data (210 s for a million documents at the benchmark's scale 100), so a search rebuilds
only an index of at most ``KB_SEARCH_INLINE_REBUILD_MAX`` documents; a larger one answers as it is, and says so,
until ``manage.py search_index --if-stale`` (``make data``, or a scheduled job) rebuilds it.

SQLite: an FTS5 table ``search_fts`` (porter stemmer) over the document table (external content), refreshed by
FTS5's ``rebuild`` command. PostgreSQL: ``SearchDocument.vector``, a weighted ``english`` tsvector with a GIN index.
Both are created by the migration; the triggers by ``install_triggers`` after every ``migrate``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from challenges.models import Artifact, Challenge, ChallengeFault, Interview, InterviewMention
from papers.models import FaultMapping, Paper
from search import documents
from search.models import IndexChange, SearchDocument
from taxonomy.models import Fault

# Tables whose rows feed a document (a rename of a fault reaches every paper and piece of evidence that names it).
SOURCES = (Fault, Paper, FaultMapping, Artifact, InterviewMention, Challenge, ChallengeFault, Interview)
LOCK_KEY = 7_301_113  # PostgreSQL advisory lock taken by a rebuild (one rebuild at a time)
WEIGHTS = ("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")


def _tables() -> list[str]:
    return [model._meta.db_table for model in SOURCES]


def install_triggers(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Create (or replace) the change triggers on every source table. Idempotent; run after each migrate."""
    connection = connections[using]
    change_table = IndexChange._meta.db_table
    existing = set(connection.introspection.table_names())
    if change_table not in existing:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE OR REPLACE FUNCTION search_record_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN INSERT INTO {change_table} DEFAULT VALUES; RETURN NULL; END $$"
            )
        for table in _tables():
            if table not in existing:
                continue
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER search_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION search_record_change()"
                )
            elif connection.vendor == "sqlite":
                for event in ("INSERT", "UPDATE", "DELETE"):
                    # One row is enough on SQLite (a single writer): INSERT OR IGNORE keeps the table tiny.
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS search_change_{table}_{event.lower()} AFTER {event} ON {table} "
                        f"BEGIN INSERT OR IGNORE INTO {change_table} (id) VALUES (1); END"
                    )


def is_stale() -> bool:
    return IndexChange.objects.exists()


def rebuild() -> int:
    """Rewrite every search document from the data; returns how many. One rebuild at a time."""
    connection = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        # Consume the changes *before* reading the data: a change committed later keeps its row (next rebuild).
        IndexChange.objects.all().delete()
        docs = list(documents.build_all())
        SearchDocument.objects.all().delete()
        SearchDocument.objects.bulk_create(docs, batch_size=200)
        if connection.vendor == "postgresql":
            vector = None
            for field, weight in WEIGHTS:
                part = SearchVector(field, weight=weight, config="english")
                vector = part if vector is None else vector + part
            SearchDocument.objects.update(vector=vector)
        elif connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    return len(docs)


def _too_large_to_rebuild_inline() -> bool:
    """More than KB_SEARCH_INLINE_REBUILD_MAX documents in the index, or rows to build them from (an index never
    built is empty): each count stops one row past the limit, so it costs the same at any size."""
    limit = settings.KB_SEARCH_INLINE_REBUILD_MAX
    return any(model.objects.all()[: limit + 1].count() > limit for model in (SearchDocument, *SOURCES))


def ensure_fresh() -> bool:
    """Rebuild the index if the data changed since it was built and the rebuild fits in a request; whether the
    index is up to date (one cheap query when nothing changed)."""
    if not is_stale():
        return True
    if _too_large_to_rebuild_inline():
        return False
    rebuild()
    return True
