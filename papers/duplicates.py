"""Is this paper already here? Papers with the same DOI, arXiv id or title, for the form's lookup and validation."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from papers.forms import normalise_arxiv, normalise_doi
from papers.models import Paper, normalise_title
from taxonomy.models import ReviewStatus

REASON_ORDER = {"doi": 0, "arxiv": 1, "title": 2, "similar": 3}  # the surest match first


@dataclass(frozen=True)
class PaperMatch:
    paper: Paper
    reason: str  # "doi", "arxiv", "title" or "similar"

    @property
    def reason_label(self) -> str:
        return {
            "doi": "same DOI",
            "arxiv": "same arXiv id",
            "title": "same title",
            "similar": "similar title",
        }[self.reason]


def _match_reason(paper: Paper, doi: str, arxiv_id: str, title: str) -> str:
    if doi and (paper.doi or "").lower() == doi.lower():
        return "doi"
    if arxiv_id and (paper.arxiv_id or "").lower() == arxiv_id.lower():
        return "arxiv"
    if title and paper.title_normalised == title:
        return "title"
    return "similar"


def find_duplicates(
    *, title: str = "", doi: str = "", arxiv_id: str = "", exclude: Paper | None = None
) -> list[PaperMatch]:
    """Papers (approved, or pending in a submission) with the same DOI, arXiv id or normalised title. One query."""
    title = normalise_title(title)
    condition = Q(pk__in=[])
    if doi:
        condition |= Q(doi__iexact=doi)
    if arxiv_id:
        condition |= Q(arxiv_id__iexact=arxiv_id)
    if title:
        condition |= Q(title_normalised=title)
    papers = Paper.objects.filter(condition, status__in=[ReviewStatus.APPROVED, ReviewStatus.PENDING])
    if exclude is not None:
        papers = papers.exclude(pk=exclude.pk)
    matches = [PaperMatch(p, _match_reason(p, doi, arxiv_id, title)) for p in papers.order_by("pk")[:10]]
    return sorted(matches, key=lambda m: (m.paper.status != ReviewStatus.APPROVED, REASON_ORDER[m.reason]))


def lookup(query: str, *, limit: int = 8) -> list[PaperMatch]:
    """Public papers matching a title, DOI or arXiv id typed on the form: exact matches first. One query."""
    query = (query or "").strip()
    title = normalise_title(query)
    if len(title) < 3:
        return []
    doi, arxiv_id = normalise_doi(query), normalise_arxiv(query)
    papers = Paper.objects.public().filter(
        Q(doi__iexact=doi) | Q(arxiv_id__iexact=arxiv_id) | Q(title_normalised__contains=title)
    )
    matches = [PaperMatch(p, _match_reason(p, doi, arxiv_id, title)) for p in papers.order_by("title")[: limit * 4]]
    return sorted(matches, key=lambda m: REASON_ORDER[m.reason])[:limit]


def match_json(match: PaperMatch) -> dict:
    paper = match.paper
    return {
        "key": paper.key,
        "title": paper.title,
        "year": paper.year,
        "authors": paper.authors_display,
        "doi": paper.doi,
        "arxiv_id": paper.arxiv_id,
        "url": paper.get_absolute_url() if paper.status == ReviewStatus.APPROVED else None,
        "match": match.reason,
    }
