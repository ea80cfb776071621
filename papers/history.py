"""Change history of faults (with their mappings), papers, mappings and submissions, on top of ``taxonomy.history``.

Query cost is fixed: one query per history table involved, whatever the number of records.
"""

from __future__ import annotations

from papers.models import FaultMapping, Paper, Submission
from taxonomy.history import HistoryEntry, entries
from taxonomy.models import Fault, ReviewStatus


def public_mapping_ids():
    """Mappings whose history is public: approved at some point (pending and rejected ones stay private)."""
    return FaultMapping.objects.filter(status__in=[ReviewStatus.APPROVED, ReviewStatus.RETRACTED]).values("pk")


def fault_history(fault: Fault, *, limit: int = 50, hidden_papers=frozenset()) -> list[HistoryEntry]:
    """The fault's own changes and those of the (once approved) mappings to it, but those of ``hidden_papers``
    (``papers.blind``). 2 queries."""
    fault_records = Fault.history.filter(id=fault.pk).select_related("history_user", "parent")
    mapping_records = (
        FaultMapping.history.filter(fault_id=fault.pk, id__in=public_mapping_ids())
        .exclude(paper_id__in=hidden_papers)
        .select_related("history_user", "paper")
    )
    result = entries(fault_records, Fault, lambda r: "Fault") + entries(
        mapping_records, FaultMapping, lambda r: f"Mapping of “{r.paper.title if r.paper else r.paper_id}”"
    )
    return sorted(result, key=lambda e: e.when, reverse=True)[:limit]


def paper_history(paper: Paper, *, limit: int = 50, mappings: bool = True) -> list[HistoryEntry]:
    """The paper's changes and (unless ``mappings`` is false) those of its once approved mappings. 2 queries."""
    paper_records = Paper.history.filter(id=paper.pk).select_related("history_user")
    result = entries(paper_records, Paper, lambda r: "Paper")
    if mappings:
        mapping_records = FaultMapping.history.filter(paper_id=paper.pk, id__in=public_mapping_ids()).select_related(
            "history_user", "fault"
        )
        result += entries(
            mapping_records, FaultMapping, lambda r: f"Mapping to {r.fault.code if r.fault else r.fault_id}"
        )
    return sorted(result, key=lambda e: e.when, reverse=True)[:limit]


def submission_history(submission: Submission, *, limit: int = 100) -> list[HistoryEntry]:
    """The submission's review steps, its mappings' changes and (when it proposes one) its paper's. 3 queries."""
    result = entries(
        Submission.history.filter(id=submission.pk).select_related("history_user", "claimed_by", "reviewed_by"),
        Submission,
        lambda r: "Submission",
    )
    result += entries(
        FaultMapping.history.filter(submission_id=submission.pk).select_related("history_user", "fault"),
        FaultMapping,
        lambda r: f"Mapping to {r.fault.code if r.fault else r.fault_id}",
    )
    if submission.creates_paper:
        result += entries(
            Paper.history.filter(id=submission.paper_id).select_related("history_user"), Paper, lambda r: "Paper"
        )
    return sorted(result, key=lambda e: e.when, reverse=True)[:limit]
