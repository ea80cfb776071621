"""Site search across faults, papers, practitioner evidence, interviews and challenges.

PostgreSQL (the database of record) gets ranked full-text search: a weighted ``SearchVector`` per record type,
matched by a ``websearch`` ``SearchQuery`` and ordered by ``SearchRank``; interview transcripts also get a
highlighted ``SearchHeadline``. On SQLite (the zero-setup first run) every group falls back to a
case-insensitive substring match over the same fields, in each model's default order.

A record must contain every word of the query; when no record of a type does, that type falls back to records
with any of the words (and says so). Cost: two queries per group (the top hits and their total), two more for
a group that falls back, whatever the size of the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from challenges.models import Artifact, Challenge, Interview, InterviewMention
from challenges.transcripts import clean_line
from papers.models import Paper
from taxonomy.models import Fault

LIMIT = 20  # hits shown per group; the page links to the full filtered list
MAX_QUERY_LENGTH = 200
CONFIG = "english"
START, STOP = "\x02", "\x03"  # match delimiters in headlines: control characters no record contains


class SearchForm(forms.Form):
    """The search page's query: at most ``KB_SEARCH_MAX_WORDS`` words and ``KB_SEARCH_MAX_LENGTH`` characters.

    Every word costs each record type a full-text term (or a substring scan on SQLite), so a long query is a form
    error rather than a slow page for everyone.
    """

    q = forms.CharField(required=False, strip=True)

    def clean_q(self) -> str:
        query = " ".join(self.cleaned_data["q"].split())
        words, length = settings.KB_SEARCH_MAX_WORDS, settings.KB_SEARCH_MAX_LENGTH
        if len(query) > length:
            raise forms.ValidationError(f"Search for at most {length} characters (this is {len(query)}).")
        if len(query.split()) > words:
            raise forms.ValidationError(f"Search for at most {words} words (this is {len(query.split())}).")
        return query


@dataclass
class Group:
    key: str
    title: str
    hits: list
    total: int
    more_url_name: str | None = None  # a filtered list page that takes ?q=
    loose: bool = False  # no record had every word; these have at least one


@dataclass
class SearchResults:
    query: str
    full_text: bool  # ranked PostgreSQL full-text search, or the substring fallback
    groups: list[Group] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)


@dataclass(frozen=True)
class Spec:
    """How one record type is searched: weighted fields for full text, the same fields for the fallback."""

    key: str
    title: str
    queryset: QuerySet
    fields: tuple[tuple[str, str], ...]  # (field, weight A-D)
    exact: tuple[str, ...] = ()  # identifiers matched exactly (case-insensitive) in both modes
    more_url_name: str | None = None
    headline: str | None = None  # a field to excerpt around the match (PostgreSQL only)


def _specs() -> list[Spec]:
    return [
        Spec(
            "faults",
            "Faults",
            Fault.objects.select_related("parent"),
            (("name", "A"), ("definition", "B"), ("parent__name", "C")),
            exact=("code",),
            more_url_name="coverage:fault-list",
        ),
        Spec(
            "papers",
            "Papers",
            Paper.objects.public(),
            (("title", "A"), ("authors_text", "B"), ("venue", "C"), ("evidence_note", "C"), ("quote", "D")),
            exact=("doi", "arxiv_id", "key"),
            more_url_name="papers:paper-list",
        ),
        Spec(
            "artifacts",
            "GitHub and StackOverflow evidence",
            Artifact.objects.for_list(),
            (("final_tag", "A"), ("repository", "B"), ("fault__name", "C")),
            exact=("url",),
            more_url_name="challenges:evidence-list",
        ),
        Spec(
            "mentions",
            "Interview mentions",
            InterviewMention.objects.for_list(),
            (("tag", "A"), ("fault__name", "C")),
            more_url_name="challenges:mention-list",
        ),
        Spec(
            "challenges",
            "Challenges",
            Challenge.objects.all(),
            (("name", "A"), ("description", "B"), ("note", "C")),
            exact=("slug",),
            more_url_name="challenges:challenge-list",
        ),
        Spec(
            "interviews",
            "Interview transcripts",
            Interview.objects.all(),
            (("transcript", "B"),),
            headline="transcript",
        ),
    ]


def highlight(headline: str) -> SafeString:
    """A PostgreSQL headline as safe HTML: transcript markup removed, text escaped, matches in <mark>."""
    text = escape(" ".join(clean_line(line) for line in headline.split("\n")))
    return mark_safe(text.replace(START, "<mark>").replace(STOP, "</mark>"))


def _prepare(spec: Spec) -> QuerySet:
    # Paper.authors is a JSON list: search its text form.
    if spec.key == "papers":
        return spec.queryset.annotate(authors_text=Cast("authors", TextField()))
    return spec.queryset


def _exact(spec: Spec, query: str) -> Q:
    condition = Q(pk__in=[])
    for name in spec.exact:
        condition |= Q(**{f"{name}__iexact": query})
    return condition


def _full_text(spec: Spec, query: str, *, any_word: bool = False) -> tuple[QuerySet, QuerySet]:
    vector = None
    for name, weight in spec.fields:
        part = SearchVector(name, weight=weight, config=CONFIG)
        vector = part if vector is None else vector + part
    if any_word:
        search_query = None
        for word in query.split():
            part = SearchQuery(word, search_type="plain", config=CONFIG)
            search_query = part if search_query is None else search_query | part
    else:
        search_query = SearchQuery(query, search_type="websearch", config=CONFIG)
    matches = (
        _prepare(spec)
        .annotate(document=vector, rank=SearchRank(vector, search_query))
        .filter(Q(document=search_query) | _exact(spec, query))
    )
    hits = matches.order_by("-rank", *spec.queryset.model._meta.ordering)
    if spec.headline:
        hits = hits.annotate(
            headline=SearchHeadline(
                spec.headline,
                search_query,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
            )
        ).defer(spec.headline)
    return hits, matches


def _substring(spec: Spec, query: str, *, any_word: bool = False) -> tuple[QuerySet, QuerySet]:
    """Every word (or, with ``any_word``, some word) of ``query`` occurs in one of the fields."""
    words = None
    for word in query.split():
        in_a_field = Q(pk__in=[])
        for name, _weight in spec.fields:
            in_a_field |= Q(**{f"{name}__icontains": word})
        if words is None:
            words = in_a_field
        else:
            words = (words | in_a_field) if any_word else (words & in_a_field)
    matches = _prepare(spec).filter(_exact(spec, query) | words)
    hits = matches.defer(spec.headline) if spec.headline else matches
    return hits, matches


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def search(query: str, *, limit: int = LIMIT) -> SearchResults:
    """The best ``limit`` hits of every record type for ``query`` and each type's total (empty query: no groups)."""
    query = " ".join((query or "").split())[:MAX_QUERY_LENGTH]
    full_text = uses_full_text()
    results = SearchResults(query=query, full_text=full_text)
    if not query:
        return results
    several_words = len(query.split()) > 1
    run = _full_text if full_text else _substring
    for spec in _specs():
        hits, matches = run(spec, query)
        total = matches.count()
        loose = False
        if not total and several_words:
            # Nothing has every word: fall back to records with any of them (ranked, on PostgreSQL).
            hits, matches = run(spec, query, any_word=True)
            total, loose = matches.count(), True
        found = list(hits[:limit])
        for hit in found:
            if getattr(hit, "headline", None):
                hit.snippet = highlight(hit.headline)
        results.groups.append(Group(spec.key, spec.title, found, total, spec.more_url_name, loose=loose and total > 0))
    return results
