"""The papers app's models: papers, their mappings and submissions (``paper``); double coding (``coding``)."""

from papers.models.coding import Adjudication, CodedMapping, Coding
from papers.models.paper import (
    ARXIV_RE,
    DOI_RE,
    FaultMapping,
    Paper,
    RelatedReference,
    Submission,
    normalise_title,
)

__all__ = [
    "ARXIV_RE",
    "DOI_RE",
    "Adjudication",
    "CodedMapping",
    "Coding",
    "FaultMapping",
    "Paper",
    "RelatedReference",
    "Submission",
    "normalise_title",
]
