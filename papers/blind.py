"""Blind second coding: what a curator coding a paper blind may not see until they submit.

A curator starts a requested second coding from the queue ("Code it blind", ``adjudication.start_coding``): the
open coding is theirs (``Coding.user``) from then on. Until they submit it, the pages and API answers they get
leave out that paper's mappings and its other codings, and say ``HIDDEN`` where they would be (a list of mappings
or codings simply leaves the paper's out: a placeholder there would itself tell which fault it maps to).

``blind_paper_ids(request)`` is the one rule. It costs no query for an anonymous request and one per signed-in
request (kept on the request). It also marks the request: ``kb_site.middleware.PerUserAnswerMiddleware`` then
answers ``Vary: Cookie, Authorization`` (and ``Cache-Control: private`` for a signed-in user), so a shared cache
never hands one user's answer to another. What stays visible (aggregate figures, frozen release archives) is
listed in the README ("Inter-coder agreement", Blindness).
"""

from __future__ import annotations

from kb_site.middleware import PER_USER_ATTR
from papers.models import Coding, Paper

HIDDEN = "hidden while you code this paper blind"


def _django_request(request):
    return getattr(request, "_request", request)  # DRF's Request wraps Django's


def blind_paper_ids(request) -> frozenset[int]:
    """Ids of the papers whose mappings and codings the request's user may not see now (their open blind codings)."""
    base = _django_request(request)
    setattr(base, PER_USER_ATTR, True)
    cached = getattr(base, "_kb_blind_papers", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        ids = frozenset()
    else:
        open_codings = Coding.objects.filter(user=user, submitted_at__isnull=True).order_by()  # no join to sort
        ids = frozenset(open_codings.values_list("paper_id", flat=True))
    base._kb_blind_papers = ids
    return ids


def hide_mappings(papers, blind: frozenset[int]) -> None:
    """Empty the prefetched mappings (and their count) of the ``blind`` papers among ``papers``; mark them
    ``hidden`` (``HIDDEN``, else None) for templates and serializers. No query."""
    for paper in papers:
        paper.hidden = HIDDEN if paper.pk in blind else None
        if paper.hidden:
            paper.approved_mappings = []
            paper.mapping_count = None


def visible_papers(queryset, request, field: str = "paper"):
    """``queryset`` without the rows of papers the request's user codes blind (``field`` leads to the paper)."""
    blind = blind_paper_ids(request)
    return queryset.exclude(**{f"{field}__in": blind}) if blind else queryset


def visible_keys(queryset, request, field: str = "paper_key"):
    """``queryset`` without the rows that name (by key, ``field``) a paper the request's user codes blind: frozen
    snapshot entries. No query of its own (a subquery)."""
    blind = blind_paper_ids(request)
    if not blind:
        return queryset
    return queryset.exclude(**{f"{field}__in": Paper.objects.filter(pk__in=blind).values("key")})


def blind_paper_keys(request) -> frozenset[str]:
    """The keys of ``blind_paper_ids``: no query when there are none, else one."""
    blind = blind_paper_ids(request)
    return frozenset(Paper.objects.filter(pk__in=blind).values_list("key", flat=True)) if blind else frozenset()
