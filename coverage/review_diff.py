"""What a curator sees on a review page: the submission beside the existing data, and what approving it changes
in coverage (so it lives in the coverage app; the review page, a view, calls it)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from coverage.coverage import Status, leaf_status
from papers.duplicates import PaperMatch, find_duplicates
from papers.models import FaultMapping, Paper, Submission
from taxonomy.models import Fault, ReviewStatus, Strength


@dataclass(frozen=True)
class MappingReview:
    mapping: FaultMapping
    fault: Fault
    status_now: Status | None  # the leaf's live status; None for a category
    status_if_approved: Status | None
    others: list[FaultMapping]  # approved mappings of other papers to this fault (a few)
    others_count: int
    earlier: list[FaultMapping]  # this paper's earlier rejected or retracted mappings to this fault
    changed_fields: list[tuple[str, object, object]]  # since the curator asked for changes: (field, before, after)

    @property
    def changes_status(self) -> bool:
        return self.status_now != self.status_if_approved


@dataclass(frozen=True)
class ReviewDiff:
    paper: Paper
    duplicates: list[PaperMatch]  # papers that look like the new one (should be none)
    paper_mappings: list[FaultMapping]  # the paper's approved mappings now
    paper_changes: list[tuple[str, object, object]]  # a new paper's edits since changes were requested
    mappings: list[MappingReview]
    leaves_newly_addressed: int
    leaves_newly_partial: int


def _changed(before, after, names) -> list[tuple[str, object, object]]:
    return [
        (name, getattr(before, name), getattr(after, name))
        for name in names
        if getattr(before, name) != getattr(after, name)
    ]


def review_diff(submission: Submission) -> ReviewDiff:
    """The submission beside the existing data. A fixed number of queries, whatever the number of mappings."""
    mappings = list(submission.mappings.select_related("fault").prefetch_related("methods").order_by("fault__position"))
    paper = submission.paper
    fault_ids = [m.fault_id for m in mappings]
    approved = FaultMapping.objects.approved()
    counts: dict[int, Counter] = defaultdict(Counter)
    for fault_id, strength in (
        approved.filter(fault_id__in=fault_ids).exclude(paper=paper).values_list("fault_id", "strength")
    ):
        counts[fault_id][strength] += 1
    others: dict[int, list[FaultMapping]] = defaultdict(list)
    for m in (
        approved.filter(fault_id__in=fault_ids).exclude(paper=paper).select_related("paper").order_by("-approved_at")
    ):
        if len(others[m.fault_id]) < 5:
            others[m.fault_id].append(m)
    paper_mappings = list(approved.filter(paper=paper).select_related("fault").order_by("fault__position"))
    own: dict[int, Counter] = defaultdict(Counter)
    for m in paper_mappings:
        own[m.fault_id][m.strength] += 1
    earlier: dict[int, list[FaultMapping]] = defaultdict(list)
    for m in (
        FaultMapping.objects.filter(paper=paper, fault_id__in=fault_ids)
        .filter(status__in=[ReviewStatus.REJECTED, ReviewStatus.RETRACTED])
        .exclude(submission=submission)
        .order_by("-updated_at")
    ):
        earlier[m.fault_id].append(m)
    # The versions the curator sent back, to show what the submitter changed since.
    sent_back = {}
    for record in FaultMapping.history.filter(
        submission_id=submission.pk, status=ReviewStatus.CHANGES_REQUESTED
    ).order_by("history_date"):
        sent_back[record.id] = record
    paper_changes = []
    if submission.creates_paper and submission.status == ReviewStatus.PENDING:
        previous = (
            Paper.history.filter(id=paper.pk, history_date__lte=submission.reviewed_at)
            .order_by("-history_date")
            .first()
            if submission.reviewed_at
            else None
        )
        if previous is not None:
            paper_changes = _changed(previous, paper, Paper.SUBMITTED_FIELDS)

    reviews = []
    newly = Counter()
    for m in mappings:
        is_leaf = m.fault.kind == Fault.Kind.LEAF
        total = counts[m.fault_id] + own[m.fault_id]
        before = leaf_status(total[Strength.EXPLICIT], total[Strength.PARTIAL]) if is_leaf else None
        after_counts = total + Counter({m.strength: 1})
        after = leaf_status(after_counts[Strength.EXPLICIT], after_counts[Strength.PARTIAL]) if is_leaf else None
        if before != after:
            newly[after] += 1
        reviews.append(
            MappingReview(
                mapping=m,
                fault=m.fault,
                status_now=before,
                status_if_approved=after,
                others=others[m.fault_id],
                others_count=sum(counts[m.fault_id].values()),
                earlier=earlier[m.fault_id],
                changed_fields=_changed(sent_back[m.pk], m, FaultMapping.CURATED_FIELDS) if m.pk in sent_back else [],
            )
        )
    duplicates = []
    if submission.creates_paper and submission.status == ReviewStatus.PENDING:
        duplicates = find_duplicates(
            title=paper.title, doi=paper.doi or "", arxiv_id=paper.arxiv_id or "", exclude=paper
        )
    return ReviewDiff(
        paper=paper,
        duplicates=duplicates,
        paper_mappings=paper_mappings,
        paper_changes=paper_changes,
        mappings=reviews,
        leaves_newly_addressed=newly[Status.ADDRESSED],
        leaves_newly_partial=newly[Status.PARTIAL],
    )
