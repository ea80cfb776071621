"""Double coding on request, and the adjudication of two codings: the one service the pages and the API call.

* ``request_second_coding``: a curator asks for a second coding of a paper. The paper's approved mappings are
  recorded as the first coding (so agreement can be measured against them) and an open second coding waits for
  another curator.
* ``start_coding``: a curator who may make it starts the open coding ("Code it blind"): it is theirs from then
  on, and until they submit it ``papers.blind`` hides the paper's mappings and other codings from them.
* ``code_blind``: that curator submits the second coding without seeing the first (``may_code`` is the rule:
  a curator who neither asked for it nor made the first coding). A submitted coding is never changed.
* ``adjudicate``: a curator decides the final mappings of a double-coded paper, with a reason. The decision goes
  through the submission path: the approved mappings it replaces are retracted (``review.retract``), the new
  ones are proposed in a submission by the curator, which another curator approves in the review queue (four
  eyes; ``KB_ALLOW_SELF_APPROVAL`` approves it at once, in the same transaction). So the history, the coverage
  cache and the snapshot diff see it exactly as any approval.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.roles import is_curator
from papers.models import Adjudication, CodedMapping, Coding, FaultMapping, Paper, Submission
from papers.review import ReasonRequired, ReviewConflict, approve, may_approve_own, retract
from taxonomy.models import Fault, ReviewStatus

REQUEST_SAMPLE = "curator request"


class CodingNotAllowed(Exception):
    """The user may not (or may no longer) make this coding; the message says why."""


@dataclass(frozen=True)
class CodedValues:
    """One mapping as a coder or an adjudicator states it."""

    fault: Fault
    strength: str
    evidence_kind: str
    rationale: str


def coding_conflict(user, coding: Coding) -> str | None:
    """Why ``user`` may not make ``coding`` now, or None when they may (a blind second coder)."""
    if not is_curator(user):
        return "Only curators code papers for a second coding."
    if coding.submitted_at is not None:
        return "This coding was submitted already; a submitted coding is never changed."
    if coding.user_id is not None and coding.user_id != user.pk:
        return f"{coding.user} is coding this paper blind already."
    if coding.requested_by_id == user.pk:
        return "You asked for this second coding: another curator must code the paper blind."
    others = Coding.objects.filter(paper_id=coding.paper_id, sample=coding.sample).exclude(pk=coding.pk)
    if any(other.user_id == user.pk or other.coder == user.get_username() for other in others):
        return "You made the other coding of this paper; the second coding must be someone else's."
    return None


@transaction.atomic
def request_second_coding(paper: Paper, curator) -> Coding:
    """Record the paper's approved mappings as its first coding and open a blind second coding; returns it."""
    if not is_curator(curator):
        raise CodingNotAllowed("Only curators ask for a second coding.")
    if Coding.objects.filter(paper=paper, sample=REQUEST_SAMPLE).exists():
        raise CodingNotAllowed("A second coding of this paper has been asked for already.")
    approved = list(FaultMapping.objects.approved().filter(paper=paper).order_by("fault__position"))
    now = timezone.now()
    first = Coding.objects.create(
        paper=paper,
        sample=REQUEST_SAMPLE,
        round=1,
        coder=", ".join(sorted({m.curated_by for m in approved if m.curated_by})) or "approved record",
        requested_by=curator,
        note="The paper's approved mappings when the second coding was asked for.",
        submitted_at=now,
    )
    first.methods.set(paper.methods.all())
    CodedMapping.objects.bulk_create(
        CodedMapping(
            coding=first, fault_id=m.fault_id, strength=m.strength, evidence_kind=m.evidence_kind, rationale=m.rationale
        )
        for m in approved
    )
    return Coding.objects.create(paper=paper, sample=REQUEST_SAMPLE, round=2, coder="", requested_by=curator)


@transaction.atomic
def start_coding(coding: Coding, user) -> Coding:
    """Make the open ``coding`` ``user``'s (``coding_conflict`` decides, under the row lock); idempotent."""
    locked = Coding.objects.select_for_update().get(pk=coding.pk)
    conflict = coding_conflict(user, locked)
    if conflict:
        raise CodingNotAllowed(conflict)
    if locked.user_id is None:
        locked.user = user
        locked.save(update_fields=["user"])
    return locked


@transaction.atomic
def code_blind(coding: Coding, user, mappings: list[CodedValues], *, methods=(), note: str = "") -> Coding:
    """Submit ``user``'s blind coding (``coding_conflict`` decides, again under the row lock)."""
    locked = Coding.objects.select_for_update().get(pk=coding.pk)
    conflict = coding_conflict(user, locked)
    if conflict:
        raise CodingNotAllowed(conflict)
    CodedMapping.objects.bulk_create(
        CodedMapping(
            coding=locked, fault=v.fault, strength=v.strength, evidence_kind=v.evidence_kind, rationale=v.rationale
        )
        for v in mappings
    )
    locked.methods.set(methods)
    locked.coder = user.get_username()
    locked.user = user
    locked.note = note
    locked.submitted_at = timezone.now()
    locked.save()
    return locked


def pending_pairs() -> list[tuple[Paper, str, Coding]]:
    """(paper, sample, its latest coding) of every double-coded paper awaiting adjudication, by title. 2 queries."""
    decided = set(Adjudication.objects.values_list("paper_id", "sample"))
    groups: dict[tuple[int, str], list[Coding]] = {}
    for coding in Coding.objects.visible().select_related("paper").order_by("paper__title", "sample", "round"):
        groups.setdefault((coding.paper_id, coding.sample), []).append(coding)
    return [
        (codings[-1].paper, sample, codings[-1])
        for (paper_id, sample), codings in groups.items()
        if len(codings) >= 2 and (paper_id, sample) not in decided
    ]


def _same(mapping: FaultMapping, values: CodedValues) -> bool:
    return (mapping.strength, mapping.evidence_kind, mapping.rationale) == (
        values.strength,
        values.evidence_kind,
        values.rationale,
    )


@transaction.atomic
def adjudicate(paper: Paper, sample: str, curator, final: list[CodedValues], reason: str) -> Adjudication:
    """Make ``final`` the paper's mappings: the approved ones it replaces or drops are retracted now (a live mapping
    blocks a new one to its fault), the new ones go into a submission by ``curator``, which another curator approves
    in the review queue (four eyes; with ``KB_ALLOW_SELF_APPROVAL`` it is approved at once)."""
    if not reason.strip():
        raise ReasonRequired("A reason is required; it is kept with the decision and in the history.")
    if not is_curator(curator):
        raise ReviewConflict("Only curators adjudicate.")
    Paper.objects.select_for_update().get(pk=paper.pk)  # one decision at a time per paper
    if Adjudication.objects.filter(paper=paper, sample=sample).exists():
        raise ReviewConflict("This double coding has been adjudicated already; nothing was changed.")
    if Coding.objects.submitted().filter(paper=paper, sample=sample).count() < 2:
        raise ReviewConflict("This paper has not been coded twice yet; there is nothing to adjudicate.")
    text = f"Adjudication of the double coding ({sample}): {reason.strip()}"
    approved = {m.fault_id: m for m in FaultMapping.objects.approved().filter(paper=paper)}
    wanted = {v.fault.pk: v for v in final}
    for fault_id, mapping in approved.items():
        if fault_id not in wanted or not _same(mapping, wanted[fault_id]):
            mapping._history_user = curator
            retract(mapping, curator, text)
    submission = Submission(submitter=curator, paper=paper, comment=text)
    submission._history_user = curator
    submission.save()
    for fault_id, values in wanted.items():
        if fault_id in approved and _same(approved[fault_id], values):
            continue
        mapping = FaultMapping(
            paper=paper,
            fault=values.fault,
            strength=values.strength,
            evidence_kind=values.evidence_kind,
            rationale=values.rationale,
            phases=paper.phases,
            targets=paper.targets,
            status=ReviewStatus.PENDING,
            submission=submission,
            submitted_by=curator,
        )
        mapping._history_user = curator
        mapping._change_reason = text
        mapping.save()
        mapping.methods.set(paper.methods.all())
    if may_approve_own():
        submission = approve(submission, curator, text)
    return Adjudication.objects.create(
        paper=paper,
        sample=sample,
        decided_by=curator.get_username(),
        decided_at=timezone.now(),
        reason=reason.strip(),
        submission=submission,
    )
