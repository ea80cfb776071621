"""Submitting and editing: a submission's content written in one transaction, or nothing.

``submit`` and ``edit`` validate (``papers.validation``), then write. ``edit_role`` is the one rule of who may edit a
submission's content, and how: its submitter once a curator asked for changes (the edit resubmits it), or a curator
while it is open (pending or sent back). The web's edit pages and the API's ``PUT`` both apply it, and ``edit``
applies it again under the row lock. The curator actions are in ``papers.review``.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.roles import is_curator
from papers.models import FaultMapping, Paper, Submission
from papers.review import ReviewConflict, lock
from papers.submission_forms import SubmissionForms
from papers.validation import SubmissionInvalid, report_lost_race, validate
from taxonomy.models import ReviewStatus

EDITABLE_STATUSES = (ReviewStatus.CHANGES_REQUESTED,)  # the submitter edits (and resubmits) in these
OPEN_STATUSES = (ReviewStatus.PENDING, ReviewStatus.CHANGES_REQUESTED)  # a curator edits in these
SUBMITTER, CURATOR = "submitter", "curator"  # the two ways to edit a submission (edit_role)


class EditNotAllowed(Exception):
    """The user may not edit this submission in any state: it is not theirs and they are not a curator."""


def _unique_key(title: str, year: int) -> str:
    words = [w for w in slugify(title).split("-") if w not in {"a", "an", "the", "on", "of", "for", "towards"}]
    base = f"{(words or ['paper'])[0][:40]}-{year}"
    taken = set(Paper.objects.filter(key__startswith=base).values_list("key", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _create_paper(user, values: dict) -> Paper:
    """Create a submitted paper under a free key.

    Two papers whose titles start with the same word, submitted for the same year at the same moment, both
    see the same key free; the second insert then fails on the unique key. That is not a duplicate paper, so
    take the next key and try again (in a savepoint, so the surrounding transaction stays usable).
    """
    for _ in range(20):
        key = _unique_key(values["title"], values["year"])
        try:
            with transaction.atomic():
                return Paper.objects.create(
                    key=key, origin=Paper.Origin.SUBMISSION, status=ReviewStatus.PENDING, submitted_by=user, **values
                )
        except IntegrityError:
            if not Paper.objects.filter(key=key).exists():
                raise  # a real duplicate (DOI, arXiv id or title), reported by _save_or_report
    raise IntegrityError(f"no free paper key for {values['title']!r} after 20 attempts")


def _paper_values(data: dict) -> dict:
    """A valid paper form's values as the model stores them (no identifier is NULL, not empty)."""
    values = {name: data[name] for name in Paper.SUBMITTED_FIELDS}
    return values | {"doi": values["doi"] or None, "arxiv_id": values["arxiv_id"] or None}


def _stamp(record, user, reason: str | None) -> None:
    """Who made the change and why, for the record's history row (rather than relying on the request's user)."""
    record._history_user = user
    record._change_reason = reason or None


def _write_mapping(
    mapping: FaultMapping, data: dict, *, status: str = ReviewStatus.PENDING, user=None, reason=None
) -> bool:
    """Write ``data`` into ``mapping`` (and its methods); False, writing nothing, when nothing would change."""
    before = None if mapping.pk is None else sorted(m.code for m in mapping.methods.all())
    after = sorted(m.code for m in data["methods"])
    if (
        before == after
        and mapping.fault_id == data["fault"].pk
        and mapping.status == status
        and all(getattr(mapping, name) == data[name] for name in FaultMapping.CURATED_FIELDS)
    ):
        return False  # unchanged: no history row that would say it was edited
    if before is not None and before != after:
        # The history tracks no many-to-many field, so a change of methods is told in the reason.
        note = f"methods: {', '.join(before) or '—'} → {', '.join(after)}"
        reason = f"{reason}; {note}" if reason else note
    mapping.fault = data["fault"]
    for name in FaultMapping.CURATED_FIELDS:
        setattr(mapping, name, data[name])
    mapping.status = status
    if user is not None:
        _stamp(mapping, user, reason)
    mapping.save()
    mapping.methods.set(data["methods"])
    return True


def _save_or_report(user, forms: SubmissionForms, write):
    """Run ``write`` in one transaction; a race lost to another writer (a unique constraint: the same paper or
    mapping) becomes an error on the field it is about, never a 500."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as exc:
        report_lost_race(user, forms)
        raise SubmissionInvalid(forms) from exc


def submit(user, forms: SubmissionForms) -> Submission:
    """Validate and save a new submission with its mappings (and its new paper), all or nothing."""
    if not validate(user, forms):
        raise SubmissionInvalid(forms)

    def write() -> Submission:
        if forms.paper is not None:
            paper = _create_paper(user, _paper_values(forms.paper.cleaned_data))
        else:
            paper = forms.submission.cleaned_data["paper"]
        submission = Submission.objects.create(
            submitter=user,
            paper=paper,
            creates_paper=forms.paper is not None,
            comment=forms.submission.cleaned_data.get("comment", ""),
        )
        for form in forms.mappings:
            _write_mapping(FaultMapping(paper=paper, submission=submission, submitted_by=user), form.cleaned_data)
        return submission

    return _save_or_report(user, forms, write)


def edit_role(user, submission: Submission) -> str:
    """How ``user`` may edit ``submission`` now: ``SUBMITTER`` or ``CURATOR``. The one rule of the web and the API.

    * Its submitter, once a curator asked for changes: the edit resubmits it (pending again, unclaimed).
    * A curator, while it is open (pending or changes requested): it keeps its status, so approving it approves
      the edited values. A pending submission another curator has claimed must be taken over first, as for
      every review action (``claim``); a submission sent back cannot be claimed, so there is no claim to respect.

    Raises ``EditNotAllowed`` (not theirs, not a curator) or ``ReviewConflict`` (not in this state). No query
    beyond the permission check (and the claimer's name in the message).
    """
    own = submission.submitter_id == user.pk
    curator = is_curator(user)
    if not own and not curator:
        raise EditNotAllowed("Only its submitter (after a curator asked for changes) or a curator may edit it.")
    if own and submission.status in EDITABLE_STATUSES:
        return SUBMITTER
    status = submission.get_status_display().lower()
    if submission.status not in OPEN_STATUSES:
        raise ReviewConflict(f"This submission is {status}; it can't be edited any more.")
    if not curator:
        raise ReviewConflict(f"This submission is {status}; you can edit it once a curator asks for changes.")
    if submission.status == ReviewStatus.PENDING and submission.claimed_by_id not in (None, user.pk):
        raise ReviewConflict(f"{submission.claimed_by} has claimed this submission; take it over first to edit it.")
    return CURATOR


def may_edit(user, submission: Submission) -> str | None:
    """``edit_role`` for templates: the role, or None when ``user`` may not edit ``submission`` now."""
    try:
        return edit_role(user, submission)
    except (EditNotAllowed, ReviewConflict):
        return None


def edit(user, submission: Submission, forms: SubmissionForms) -> Submission:
    """Save an edit of a submission's content (a new paper's data, the mappings), all or nothing.

    ``edit_role`` decides, again under the row lock. The submitter's edit resubmits the submission. A curator's
    edit leaves its status and the submitter's note as they are, claims a pending submission for the curator, and
    is recorded: ``edited_by``/``edited_at``, and on every row it writes the history's user and the reason
    "Edited by curator …" (with the methods before and after, which the history does not track). Rows that would
    not change are not written; a curator's edit that changes nothing writes nothing at all. An edit form carries
    ``version``; if the submission was saved since the form was opened, nothing is written.
    """
    if not validate(user, forms):
        raise SubmissionInvalid(forms)

    def write() -> Submission:
        locked = lock(submission.pk)
        try:
            role = edit_role(user, locked)
        except (EditNotAllowed, ReviewConflict) as exc:
            forms.non_field_errors.append(f"{exc} Nothing was saved.")
            raise SubmissionInvalid(forms) from exc
        version = forms.submission.cleaned_data.get("version")
        if version and version != locked.version:
            forms.non_field_errors.append(
                "Someone changed this submission after you opened it; nothing was saved. "
                "Open it again to see the changes, then make yours."
            )
            raise SubmissionInvalid(forms)
        by_curator = role == CURATOR
        reason = f"Edited by curator {user.get_username()}" if by_curator else None
        paper = locked.paper
        changed = False
        if locked.creates_paper and forms.paper is not None:
            values = _paper_values(forms.paper.cleaned_data)
            if any(getattr(paper, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(paper, name, value)
                _stamp(paper, user, reason)
                paper.save()
                changed = True
        current = {
            m.fault_id: m for m in locked.mappings.exclude(status=ReviewStatus.APPROVED).prefetch_related("methods")
        }
        wanted = {form.cleaned_data["fault"].pk: form.cleaned_data for form in forms.mappings}
        for fault_id, mapping in current.items():
            if fault_id not in wanted:
                _stamp(mapping, user, reason)
                mapping.delete()
                changed = True
        # A curator's edit keeps the mappings' status (pending, or changes requested with their submission).
        status = locked.status if by_curator else ReviewStatus.PENDING
        for fault_id, data in wanted.items():
            mapping = current.get(fault_id) or FaultMapping(
                paper=paper, submission=locked, submitted_by_id=locked.submitter_id
            )
            changed |= _write_mapping(mapping, data, status=status, user=user, reason=reason)
        now = timezone.now()
        if by_curator and not changed:
            return locked  # nothing to record (the view says so)
        if by_curator:
            locked.edited_by = user.get_username()
            locked.edited_at = now
            if locked.status == ReviewStatus.PENDING and locked.claimed_by_id != user.pk:
                locked.claimed_by = user
                locked.claimed_at = now
        else:
            locked.status = ReviewStatus.PENDING
            locked.comment = forms.submission.cleaned_data.get("comment", "")
            locked.claimed_by = None
            locked.claimed_at = None
        _stamp(locked, user, reason)
        locked.save()
        return locked

    return _save_or_report(user, forms, write)
