"""Plain factory functions with overridable defaults."""

import itertools

from django.utils import timezone

from papers.models import FaultMapping, Paper, Submission
from taxonomy.models import ReviewStatus, Strength

_seq = itertools.count(1)


def make_paper(key=None, *, title=None, year=2022, methods=(), **kw) -> Paper:
    n = next(_seq)
    key = key or f"paper-{n}"
    defaults = {
        "title": title or f"A technique for debugging {key}",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "year": year,
        "origin": Paper.Origin.KB_CURATION,
        "status": ReviewStatus.APPROVED,
    }
    defaults.update(kw)
    paper = Paper.objects.create(key=key, **defaults)
    if methods:
        paper.methods.set(methods)
    return paper


def make_mapping(paper, fault, *, strength=Strength.EXPLICIT, status=ReviewStatus.APPROVED, methods=(), **kw):
    defaults = {
        "rationale": f"{paper.key} targets {fault.code}",
        "phases": ["detection"],
        "approved_at": timezone.now() if status == ReviewStatus.APPROVED else None,
    }
    defaults.update(kw)
    mapping = FaultMapping.objects.create(paper=paper, fault=fault, strength=strength, status=status, **defaults)
    if methods:
        mapping.methods.set(methods)
    return mapping


def if_match(submission) -> dict:
    """The If-Match header of an API PUT: the submission's current ETag (its version, read now)."""
    return {"HTTP_IF_MATCH": f'"{Submission.objects.get(pk=submission.pk).version}"'}
