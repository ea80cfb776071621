"""The review state machine: the curator actions on a submission, and the retraction of an approved mapping.

``claim``, ``approve``, ``reject``, ``request_changes`` and ``retract`` each lock their row (``select_for_update``:
a row lock on PostgreSQL; on SQLite the transaction itself serialises writers), so two curators approving at once
apply the submission once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from papers.models import FaultMapping, Paper, Submission
from taxonomy.models import ReviewStatus


class ReviewConflict(Exception):
    """A review action that cannot apply to the submission as it now stands (the message says why)."""


SELF_APPROVAL_MESSAGE = (
    "You submitted this yourself: another curator must approve it (four-eyes rule; KB_ALLOW_SELF_APPROVAL relaxes it)."
)


def may_approve_own() -> bool:
    """The four-eyes rule in force: False (the default) when a curator's own submission needs another curator."""
    return settings.KB_ALLOW_SELF_APPROVAL


class ReasonRequired(ValueError):
    """Rejecting, requesting changes and retracting need a reason (the submitter or the history shows it)."""


def lock(submission_id: int) -> Submission:
    """The submission, its row locked until the transaction ends. One query."""
    # No select_related: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    return Submission.objects.select_for_update().get(pk=submission_id)


def _check_reviewable(submission: Submission, curator) -> None:
    if submission.status != ReviewStatus.PENDING:
        raise ReviewConflict(
            f"This submission is {submission.get_status_display().lower()} already; nothing was changed."
        )
    if submission.claimed_by_id and submission.claimed_by_id != curator.pk:
        raise ReviewConflict(f"{submission.claimed_by} has claimed this submission; claim it first to review it.")


@transaction.atomic
def claim(submission: Submission, curator) -> Submission:
    """Mark ``curator`` as the one reviewing the submission (taking it over from another curator if need be)."""
    locked = lock(submission.pk)
    if locked.status != ReviewStatus.PENDING:
        raise ReviewConflict(f"This submission is {locked.get_status_display().lower()}; there is nothing to claim.")
    locked.claimed_by = curator
    locked.claimed_at = timezone.now()
    locked.save(update_fields=["claimed_by", "claimed_at", "updated_at"])
    return locked


@transaction.atomic
def release(submission: Submission, curator) -> Submission:
    locked = lock(submission.pk)
    if locked.claimed_by_id == curator.pk:
        locked.claimed_by = None
        locked.claimed_at = None
        locked.save(update_fields=["claimed_by", "claimed_at", "updated_at"])
    return locked


def _finish(submission: Submission, curator, status: str, reason: str, now) -> None:
    submission.status = status
    submission.reviewed_by = curator
    submission.reviewed_at = now
    submission.review_reason = reason
    submission.claimed_by = curator
    submission.claimed_at = submission.claimed_at or now
    submission.save()


def _apply_approval(submission: Submission, curator, reason: str) -> None:
    now = timezone.now()
    if submission.creates_paper:
        paper = Paper.objects.select_for_update().get(pk=submission.paper_id)
        paper.status = ReviewStatus.APPROVED
        paper._change_reason = f"approved with submission {submission.uid}"
        paper.save()
    for mapping in FaultMapping.objects.select_for_update().filter(submission=submission, status=ReviewStatus.PENDING):
        mapping.status = ReviewStatus.APPROVED
        mapping.approved_at = now
        mapping.curated_by = curator.get_username()
        mapping._change_reason = f"approved with submission {submission.uid}"
        mapping.save()
    _finish(submission, curator, ReviewStatus.APPROVED, reason, now)


def _check_no_twin(submission: Submission) -> None:
    """A new paper is approved only while no other live paper has its normalised title (the database holds the rule
    for every write; said here in the curator's terms, for a paper that slipped in before the rule existed)."""
    if not submission.creates_paper:
        return
    paper = Paper.objects.get(pk=submission.paper_id)
    twins = Paper.objects.filter(title_normalised=paper.title_normalised).exclude(pk=paper.pk)
    twin = twins.exclude(status=ReviewStatus.REJECTED).first() if paper.title_normalised else None
    if twin is not None:
        raise ReviewConflict(
            f"Another paper with the same title is here already (key {twin.key}, {twin.get_status_display().lower()}); "
            "nothing was approved. Reject this submission, or ask its submitter to map the existing paper instead."
        )


@transaction.atomic
def approve(submission: Submission, curator, reason: str = "") -> Submission:
    """Approve the submission's mappings (and its new paper) in one transaction; a second approval fails, and so do
    a curator's approval of their own submission (four eyes, unless ``KB_ALLOW_SELF_APPROVAL``) and the approval of
    a new paper whose title another live paper has."""
    locked = lock(submission.pk)
    _check_reviewable(locked, curator)
    if locked.submitter_id == curator.pk and not may_approve_own():
        raise ReviewConflict(SELF_APPROVAL_MESSAGE)
    _check_no_twin(locked)
    _apply_approval(locked, curator, reason)
    return locked


def _close(submission: Submission, curator, reason: str, status: str, paper_status: str | None) -> Submission:
    if not reason.strip():
        raise ReasonRequired("A reason is required; the submitter sees it.")
    locked = lock(submission.pk)
    _check_reviewable(locked, curator)
    now = timezone.now()
    if locked.creates_paper and paper_status:
        paper = Paper.objects.select_for_update().get(pk=locked.paper_id)
        paper.status = paper_status
        paper._change_reason = reason
        paper.save()
    for mapping in FaultMapping.objects.select_for_update().filter(submission=locked, status=ReviewStatus.PENDING):
        mapping.status = status
        mapping._change_reason = reason
        mapping.save()
    _finish(locked, curator, status, reason, now)
    return locked


@transaction.atomic
def reject(submission: Submission, curator, reason: str) -> Submission:
    """Reject with a reason the submitter sees; a new paper is rejected too (and no longer blocks its DOI)."""
    return _close(submission, curator, reason, ReviewStatus.REJECTED, ReviewStatus.REJECTED)


@transaction.atomic
def request_changes(submission: Submission, curator, reason: str) -> Submission:
    """Send the submission back to its submitter, who may edit and resubmit it."""
    return _close(submission, curator, reason, ReviewStatus.CHANGES_REQUESTED, None)


@transaction.atomic
def retract(mapping: FaultMapping, curator, reason: str) -> FaultMapping:
    """Withdraw an approved mapping from the live coverage; it stays, retracted, in the history."""
    if not reason.strip():
        raise ReasonRequired("A reason is required to retract a mapping; it is kept in the history.")
    locked = FaultMapping.objects.select_for_update().get(pk=mapping.pk)
    if locked.status != ReviewStatus.APPROVED:
        raise ReviewConflict(f"This mapping is {locked.get_status_display().lower()}; only approved ones retract.")
    locked.status = ReviewStatus.RETRACTED
    locked.retracted_at = timezone.now()
    locked._change_reason = reason
    locked.save()
    return locked
