"""Ranked search over the index: one list, best answer first whatever the record's type.

Matching is by whole words, stemmed (FTS5's porter tokenizer on SQLite, the ``english`` configuration on
PostgreSQL), after folding British and American spellings (``search.spelling``); stop words are dropped. A record
with any word of the query matches. Its score is the database's relevance score (FTS5 ``bm25`` with column weights
10/4/2/1, PostgreSQL ``ts_rank`` with weights A-D) times its type's weight (fault names and definitions are what a
practitioner usually looks for), discounted by the share of the query's words it lacks. A fault id or paper key
typed exactly puts that record first. PostgreSQL ranks and counts the matches itself and returns only the page; SQLite
ranks in Python. Cost: 4 queries (more when the data changed: the index's size, then its rebuild), plus the coverage
figures when a fault is among the hits (cached with the coverage cache).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Count, Expression, F, FloatField, Max, Q, Value, When
from django.db.models.functions import Cast
from django.utils.html import escape
from django.utils.safestring import SafeString

from coverage import cache as coverage_cache
from coverage import coverage
from coverage.live import live
from search import index
from search.models import SearchDocument
from search.spelling import query_words, snippet

LIMIT = 30  # hits shown; the page says how many matched in all
FTS5_WEIGHTS = (10.0, 4.0, 2.0, 1.0)  # bm25 column weights for a, b, c, d
KIND_WEIGHT = {
    SearchDocument.Kind.FAULT: 2.0,
    SearchDocument.Kind.CHALLENGE: 1.5,
    SearchDocument.Kind.PAPER: 1.2,
    SearchDocument.Kind.ARTIFACT: 0.7,
    SearchDocument.Kind.MENTION: 0.7,
    SearchDocument.Kind.INTERVIEW: 0.4,
}


@dataclass
class Hit:
    document: SearchDocument
    score: float
    every_word: bool
    snippet: SafeString
    status: coverage.Status | None = None

    @property
    def kind_label(self) -> str:
        return self.document.get_kind_display()


@dataclass
class SearchResults:
    query: str
    words: list[str] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)  # label -> number of matches
    stale: bool = False  # the index predates the latest changes (too large to rebuild in a request)


def _fts5(words: list[str]) -> tuple[dict[int, float], dict[int, int]]:
    weights = ", ".join(str(weight) for weight in FTS5_WEIGHTS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, -bm25(search_fts, {weights}) FROM search_fts WHERE search_fts MATCH %s",
            [" OR ".join(f'"{word}"' for word in words)],
        )
        scores = dict(cursor.fetchall())
        per_word = " UNION ALL ".join(["SELECT rowid FROM search_fts WHERE search_fts MATCH %s"] * len(words))
        cursor.execute(f"SELECT rowid, COUNT(*) FROM ({per_word}) GROUP BY rowid", [f'"{word}"' for word in words])
        return scores, dict(cursor.fetchall())


def relevance(rank, weight, matched, wanted: float):
    """The one scoring rule: the database's relevance times the type's weight, discounted for query words the record
    lacks. Works on numbers (SQLite, ranked in Python) and on SQL expressions (PostgreSQL, ranked by the database)."""
    return rank * weight * (0.5 + 0.5 * matched / wanted)


def _any_word(words: list[str]) -> tuple[SearchQuery, Expression]:
    """PostgreSQL: the query any of ``words`` satisfies, and the number of ``words`` a row has."""
    queries = [SearchQuery(word, search_type="plain", config="english") for word in words]
    any_word = queries[0]
    for query in queries[1:]:
        any_word = any_word | query
    matched = sum(
        (Case(When(vector=query, then=Value(1)), default=Value(0)) for query in queries[1:]),
        start=Case(When(vector=queries[0], then=Value(1)), default=Value(0)),
    )
    return any_word, matched


def _match(words: list[str]) -> tuple[dict[int, float], dict[int, int]]:
    """SQLite: every record with at least one of ``words``: its relevance score and how many of the words it has."""
    if not words:
        return {}, {}
    return _fts5(words)


def _exact(query: str) -> list[int]:
    """A fault id or paper key typed as the whole query."""
    return list(
        SearchDocument.objects.filter(
            Q(kind=SearchDocument.Kind.FAULT) | Q(kind=SearchDocument.Kind.PAPER), key__iexact=query
        )
        .order_by()
        .values_list("id", flat=True)
    )


def _ranked_postgres(results: SearchResults, exact: list[int], limit: int) -> list[tuple[SearchDocument, float, int]]:
    """PostgreSQL ranks and counts the matches itself: the best ``limit`` with score and words matched (1 query),
    and the matches per type (1 query). No match is sent to Python beyond the page (~1,000,000 records at scale 100).
    """
    wanted = float(len(results.words) or 1)
    if results.words:
        any_word, matched = _any_word(results.words)
        found = Q(vector=any_word) | Q(pk__in=exact)
        rank = SearchRank(F("vector"), any_word)
    else:
        found, matched, rank = Q(pk__in=exact), Value(0), Value(0.0)
    matches = SearchDocument.objects.filter(found)
    weight = Case(*[When(kind=kind, then=Value(w)) for kind, w in KIND_WEIGHT.items()], output_field=FloatField())
    top = (
        matches.annotate(
            matched=matched,
            score=relevance(rank, weight, Cast(matched, FloatField()), wanted),
            later=Case(When(pk__in=exact, then=Value(0)), default=Value(1)),
        )
        .defer("a", "b", "c", "d", "vector")
        .order_by("later", "-score", "kind", "key")[:limit]
    )
    labels = dict(SearchDocument.Kind.choices)
    for kind, n in matches.values_list("kind").annotate(n=Count("*")).order_by("kind"):
        results.by_kind[labels[kind]] = n
        results.total += n
    return [(doc, doc.score, doc.matched) for doc in top]


def _ranked_sqlite(results: SearchResults, exact: list[int], limit: int) -> list[tuple[SearchDocument, float, int]]:
    scores, counts = _match(results.words)
    wanted = float(len(results.words) or 1)
    documents = {
        doc.pk: doc
        for doc in SearchDocument.objects.filter(pk__in=set(scores) | set(exact)).defer("a", "b", "c", "d", "vector")
    }

    def score(pk: int) -> float:
        return relevance(scores.get(pk, 0.0), KIND_WEIGHT[documents[pk].kind], counts.get(pk, 0), wanted)

    def order(pk: int) -> tuple:
        return (pk not in exact, -score(pk), documents[pk].kind, documents[pk].key)

    ranked = sorted(documents, key=order)
    results.total = len(ranked)
    for doc in sorted(documents.values(), key=lambda doc: doc.kind):
        label = doc.get_kind_display()
        results.by_kind[label] = results.by_kind.get(label, 0) + 1
    return [(documents[pk], score(pk), counts.get(pk, 0)) for pk in ranked[:limit]]


def search(query: str, *, limit: int = LIMIT) -> SearchResults:
    """The best ``limit`` records for ``query`` (already validated by ``SearchForm``), ranked across types.

    With the coverage cache on, the ranked page is cached per state of the index: every rebuild writes documents
    with new ids, so the highest id names the index's state (one more query) whatever wrote the data, with or
    without signals. Ranking computes the relevance of every match (~1,000,000 documents at scale 100), so a repeated
    query costs one cache read instead; the benchmark's uncached column shows the first one's cost."""
    if not query:
        return SearchResults(query=query, words=query_words(query))
    fresh = index.ensure_fresh()
    if not coverage_cache.enabled():
        results = _search(query, limit)
    else:
        state = SearchDocument.objects.aggregate(last=Max("id"))["last"]
        key = hashlib.sha256(f"{state}|{limit}|{query}".encode()).hexdigest()
        results = coverage_cache.cached(f"search:{key}", lambda: _search(query, limit))
    results.stale = not fresh
    return _with_statuses(results)


def _with_statuses(results: SearchResults) -> SearchResults:
    """The live coverage status of each fault among the hits."""
    codes = [hit.document.fault_code for hit in results.hits if hit.document.fault_code]
    if codes:
        outline = live().outline  # the live statuses alone, not the whole computation
        for hit in results.hits:
            if hit.document.fault_code in outline.by_code:
                hit.status = outline.node(hit.document.fault_code).status
    return results


def _search(query: str, limit: int) -> SearchResults:
    results = SearchResults(query=query, words=query_words(query))
    exact = _exact(query)
    ranked = _ranked_postgres if connection.vendor == "postgresql" else _ranked_sqlite
    wanted = len(results.words) or 1
    for doc, score, matched in ranked(results, exact, limit):
        results.hits.append(
            Hit(
                doc,
                score,
                matched == wanted or doc.pk in exact,
                snippet(doc.text, results.words)
                or snippet(doc.title, results.words)
                or snippet(doc.subtitle, results.words),
            )
        )
    return results


def hide_papers(results: SearchResults, keys: set[str], hidden: str) -> None:
    """Leave the papers ``keys`` (coded blind by the reader, ``papers.blind``) out of ``results`` unless every word
    is in their own title, authors or venue (matching on their mappings would tell them), and show ``hidden``
    instead of their snippet. No query."""
    if not keys:
        return
    kept = []
    for hit in results.hits:
        doc = hit.document
        if doc.kind == SearchDocument.Kind.PAPER and doc.key in keys:
            own = f"{doc.a} {doc.d}".lower()
            if not all(word.lower() in own for word in results.words):
                results.total -= 1
                label = doc.get_kind_display()
                results.by_kind[label] = results.by_kind.get(label, 1) - 1
                continue
            hit.snippet = SafeString(escape(hidden))
        kept.append(hit)
    results.hits = kept
