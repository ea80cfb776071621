"""Submitting and reviewing: the one service the web views and the API both call.

* ``SubmissionForms`` bundles the forms of one submission (the paper choice, a new paper's metadata and the
  mappings), bound from a web POST or from an API JSON body.
* ``validate`` runs every rule and puts each message on the field it is about; ``submit`` and ``edit``
  validate, then write everything in one transaction or nothing.
* ``edit_role`` is the one rule of who may edit a submission's content, and how: its submitter once a curator
  asked for changes (the edit resubmits it), or a curator while it is open (pending or sent back). The web's
  edit pages and the API's ``PUT`` both apply it, and ``edit`` applies it again under the row lock.
* ``claim``, ``approve``, ``reject``, ``request_changes`` and ``retract`` are the curator actions. Each locks
  its row (``select_for_update``: a row lock on PostgreSQL; on SQLite the transaction itself serialises
  writers), so two curators approving at once apply the submission once.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.throttling import SimpleRateThrottle

from accounts.roles import is_curator
from coverage.coverage import Status, leaf_status
from papers.forms import (
    MAX_MAPPINGS,
    BibTeXForm,
    MappingForm,
    MappingFormSet,
    PaperForm,
    SubmissionForm,
    Vocabulary,
    normalise_arxiv,
    normalise_doi,
)
from papers.models import FaultMapping, Paper, Submission, normalise_title
from taxonomy.models import Fault, ReviewStatus, Strength

LIVE_STATUSES = (ReviewStatus.PENDING, ReviewStatus.CHANGES_REQUESTED, ReviewStatus.APPROVED)
EDITABLE_STATUSES = (ReviewStatus.CHANGES_REQUESTED,)  # the submitter edits (and resubmits) in these
OPEN_STATUSES = (ReviewStatus.PENDING, ReviewStatus.CHANGES_REQUESTED)  # a curator edits in these
SUBMITTER, CURATOR = "submitter", "curator"  # the two ways to edit a submission (edit_role)
MAPPING_FIELDS = (
    "strength",
    "phases",
    "targets",
    "rationale",
    "evidence_kind",
    "evidence_note",
    "quote",
    "quote_locator",
)
PAPER_FIELDS = ("title", "authors", "year", "venue", "doi", "arxiv_id", "url")


class SubmissionInvalid(Exception):
    """Validation failed; the errors are on ``forms``."""

    def __init__(self, forms: SubmissionForms):
        super().__init__("The submission is not valid.")
        self.forms = forms


class ReviewConflict(Exception):
    """A review action that cannot apply to the submission as it now stands (the message says why)."""


class EditNotAllowed(Exception):
    """The user may not edit this submission in any state: it is not theirs and they are not a curator."""


class ReasonRequired(ValueError):
    """Rejecting, requesting changes and retracting need a reason (the submitter or the history shows it)."""


#
# Rate limit (the API adds DRF's throttle with the same scope and rate)
#


def submission_rate_setting() -> str:
    """``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["submissions"]`` (e.g. ``30/hour``), read at call time."""
    return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["submissions"]


def submission_rate() -> tuple[int, int]:
    """(submissions, seconds) of the submission rate limit."""
    return SimpleRateThrottle.parse_rate(None, submission_rate_setting())


def rate_limit_message(user) -> str | None:
    """A message when ``user`` has reached the submission limit, else None. One query."""
    limit, seconds = submission_rate()
    since = timezone.now() - datetime.timedelta(seconds=seconds)
    if Submission.objects.filter(submitter=user, created_at__gte=since).count() < limit:
        return None
    window = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}.get(seconds, f"{seconds} seconds")
    return f"You have reached the limit of {limit} submissions per {window}; please try again later."


#
# Lookups: "is this paper already here?" and duplicate detection
#


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
    order = {"doi": 0, "arxiv": 1, "title": 2, "similar": 3}
    matches = [PaperMatch(p, _match_reason(p, doi, arxiv_id, title)) for p in papers.order_by("pk")[:10]]
    return sorted(matches, key=lambda m: (m.paper.status != ReviewStatus.APPROVED, order[m.reason]))


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
    order = {"doi": 0, "arxiv": 1, "title": 2, "similar": 3}
    matches = [PaperMatch(p, _match_reason(p, doi, arxiv_id, title)) for p in papers.order_by("title")[: limit * 4]]
    return sorted(matches, key=lambda m: order[m.reason])[:limit]


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


#
# The forms of one submission
#


@dataclass
class SubmissionForms:
    """Everything one submission's validation works on; errors end up on these forms."""

    submission: SubmissionForm
    paper: PaperForm | None  # None when the mappings are for an existing paper (or an edit of one)
    mappings: list[MappingForm]
    formset: MappingFormSet | None = None  # the web form's formset (None for the API)
    bibtex: BibTeXForm | None = None  # BibTeX sent with an API submission (the web form prefills instead)
    editing: Submission | None = None
    non_field_errors: list[str] = field(default_factory=list)
    duplicates: list[PaperMatch] = field(default_factory=list)
    validated: bool = False

    @classmethod
    def from_post(cls, data, vocabulary: Vocabulary, *, editing: Submission | None = None) -> SubmissionForms:
        """Bound from a web POST: ``SubmissionForm`` unprefixed, ``paper-*`` and the ``mappings-*`` formset."""
        submission = SubmissionForm(data, editing=editing)
        formset = MappingFormSet(data, prefix="mappings", form_kwargs={"vocabulary": vocabulary})
        mappings = []
        if formset.management_form.is_valid():
            deleted = set(formset.deleted_forms) if formset.can_delete else set()
            mappings = [
                form
                for form in formset.forms
                if form not in deleted and not (form.empty_permitted and not form.has_changed())
            ]
        new_paper = editing.creates_paper if editing else submission["paper_choice"].value() != SubmissionForm.EXISTING
        return cls(
            submission=submission,
            paper=PaperForm(data, prefix="paper") if new_paper else None,
            mappings=mappings,
            formset=formset,
            editing=editing,
        )

    @classmethod
    def from_json(cls, data: dict, vocabulary: Vocabulary, *, editing: Submission | None = None) -> SubmissionForms:
        """Bound from an API body: ``paper`` (an object) or ``paper_key``, ``comment``, ``mappings`` (a list)."""
        new_paper = editing.creates_paper if editing else not data.get("paper_key")
        paper_data = dict(data.get("paper") or {})
        bibtex = None
        if data.get("bibtex") and new_paper:
            # BibTeX fills in the paper's fields; fields given explicitly in "paper" win.
            bibtex = BibTeXForm({"bibtex": data["bibtex"]})
            if bibtex.is_valid():
                parsed = bibtex.cleaned_data["parsed"]
                explicit = {k: v for k, v in paper_data.items() if v not in (None, "", [])}
                paper_data = {name: parsed.get(name) for name in PAPER_FIELDS} | explicit
        submission = SubmissionForm(
            {
                "paper_choice": SubmissionForm.NEW if new_paper else SubmissionForm.EXISTING,
                "existing_paper": data.get("paper_key") or "",
                "comment": data.get("comment") or "",
            },
            editing=editing,
        )
        return cls(
            submission=submission,
            paper=PaperForm({k: "" if v is None else v for k, v in paper_data.items()}) if new_paper else None,
            mappings=[MappingForm(m, vocabulary=vocabulary) for m in data.get("mappings") or []],
            bibtex=bibtex,
            editing=editing,
        )

    @property
    def is_new_paper(self) -> bool:
        return self.paper is not None

    def all_forms(self):
        yield self.submission
        if self.paper is not None:
            yield self.paper
        yield from self.mappings

    def errors_dict(self) -> dict:
        """The API's 400 body: field-level messages, shaped like the request."""
        errors: dict = {}
        for name, messages in self.submission.errors.items():
            key = {"existing_paper": "paper_key", "__all__": "non_field_errors"}.get(name, name)
            errors.setdefault(key, []).extend(messages)
        if self.paper is not None and self.paper.errors:
            errors["paper"] = {
                ("non_field_errors" if k == "__all__" else k): list(v) for k, v in self.paper.errors.items()
            }
        if any(form.errors for form in self.mappings):
            errors["mappings"] = [
                {("non_field_errors" if k == "__all__" else k): list(v) for k, v in form.errors.items()}
                for form in self.mappings
            ]
        if self.bibtex is not None and self.bibtex.errors:
            errors["bibtex"] = [m for messages in self.bibtex.errors.values() for m in messages]
        if self.non_field_errors:
            errors.setdefault("non_field_errors", []).extend(self.non_field_errors)
        if self.duplicates:
            errors["duplicate_of"] = [match_json(m) for m in self.duplicates]
        return errors


#
# Validation
#


def _resolve_paper(forms: SubmissionForms) -> Paper | None:
    """The paper the mappings are for when it exists already (an existing paper, or the paper under edit)."""
    if forms.editing is not None:
        return forms.editing.paper
    if forms.paper is None and forms.submission.is_valid():
        return forms.submission.cleaned_data.get("paper")
    return None


def _check_duplicate_paper(forms: SubmissionForms, user) -> None:
    form = forms.paper
    if form is None or not form.is_valid():
        return
    data = form.cleaned_data
    exclude = forms.editing.paper if forms.editing is not None else None
    matches = find_duplicates(title=data["title"], doi=data["doi"], arxiv_id=data["arxiv_id"], exclude=exclude)
    if not matches:
        return
    # Someone else's pending paper is only named as "awaiting review", never shown.
    forms.duplicates = [
        m for m in matches if m.paper.status == ReviewStatus.APPROVED or m.paper.submitted_by_id == user.pk
    ]
    field_of = {"doi": "doi", "arxiv": "arxiv_id", "title": "title"}
    what = {"doi": "this DOI", "arxiv": "this arXiv id", "title": "this title"}
    for match in matches:
        if match.reason not in field_of:
            continue
        paper = match.paper
        if paper.status == ReviewStatus.APPROVED:
            message = (
                f"A paper with {what[match.reason]} is already in the knowledge base: “{paper.title}” "
                f"(key {paper.key}). Add your mappings to it instead."
            )
        else:
            pending = Submission.objects.filter(paper=paper).first()
            where = (
                f"your submission of {pending.created_at:%Y-%m-%d}"
                if pending is not None and pending.submitter_id == user.pk
                else "another submission"
            )
            message = f"A paper with {what[match.reason]} is already awaiting review in {where}."
        if not form.has_error(field_of[match.reason]):
            form.add_error(field_of[match.reason], message)


def _check_mappings(forms: SubmissionForms, paper: Paper | None) -> None:
    valid = [form for form in forms.mappings if form.is_valid()]
    seen: dict[int, int] = {}
    for index, form in enumerate(forms.mappings, start=1):
        if form not in valid:
            continue
        fault = form.cleaned_data["fault"]
        if fault.pk in seen:
            form.add_error("fault", f"{fault.code} is already in mapping {seen[fault.pk]} of this submission.")
        else:
            seen[fault.pk] = index
    if paper is None or not seen:
        return
    existing = FaultMapping.objects.filter(paper=paper, fault_id__in=list(seen), status__in=LIVE_STATUSES)
    if forms.editing is not None:
        existing = existing.exclude(submission=forms.editing)
    for mapping in existing.select_related("fault"):
        form = forms.mappings[seen[mapping.fault_id] - 1]
        if mapping.status == ReviewStatus.APPROVED:
            message = (
                f"This mapping is already in the knowledge base: “{paper.title}” is mapped to "
                f"{mapping.fault.code} ({mapping.get_strength_display().lower()})."
            )
        else:
            message = f"A mapping of this paper to {mapping.fault.code} is already awaiting review."
        if not form.has_error("fault"):
            form.add_error("fault", message)


def validate(user, forms: SubmissionForms) -> bool:
    """Run every rule once; messages go on the fields they are about. True when the submission is valid.

    A handful of queries: the paper lookup, duplicates, existing mappings, the rate limit.
    """
    if not forms.validated:
        forms.validated = True
        for form in forms.all_forms():
            form.is_valid()
        if not forms.mappings:
            forms.non_field_errors.append("Add at least one mapping.")
        elif len(forms.mappings) > MAX_MAPPINGS:
            forms.non_field_errors.append(f"At most {MAX_MAPPINGS} mappings per submission.")
        if forms.editing is None:
            message = rate_limit_message(user)
            if message:
                forms.non_field_errors.append(message)
        _check_duplicate_paper(forms, user)
        _check_mappings(forms, _resolve_paper(forms))
    return not (
        forms.non_field_errors
        or any(form.errors for form in forms.all_forms())
        or (forms.bibtex is not None and forms.bibtex.errors)
    )


#
# Writing
#


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
                raise  # a real duplicate (DOI or arXiv id), reported by _save_or_report
    raise IntegrityError(f"no free paper key for {values['title']!r} after 20 attempts")


def _paper_values(data: dict) -> dict:
    return {
        "title": data["title"],
        "authors": data["authors"],
        "year": data["year"],
        "venue": data.get("venue", ""),
        "doi": data.get("doi") or None,
        "arxiv_id": data.get("arxiv_id") or None,
        "url": data.get("url", ""),
    }


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
        and all(getattr(mapping, name) == data[name] for name in MAPPING_FIELDS)
    ):
        return False  # unchanged: no history row that would say it was edited
    if before is not None and before != after:
        # The history tracks no many-to-many field, so a change of methods is told in the reason.
        note = f"methods: {', '.join(before) or '—'} → {', '.join(after)}"
        reason = f"{reason}; {note}" if reason else note
    mapping.fault = data["fault"]
    for name in MAPPING_FIELDS:
        setattr(mapping, name, data[name])
    mapping.status = status
    if user is not None:
        _stamp(mapping, user, reason)
    mapping.save()
    mapping.methods.set(data["methods"])
    return True


def _save_or_report(forms: SubmissionForms, write):
    """Run ``write`` in one transaction; a race with another writer becomes a form error, never a 500."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as exc:
        forms.non_field_errors.append(
            "Someone proposed the same paper or mapping a moment ago; nothing was saved. Check and submit again."
        )
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

    return _save_or_report(forms, write)


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
        locked = _lock(submission.pk)
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

    return _save_or_report(forms, write)


#
# Reviewing
#


def _lock(submission_id: int) -> Submission:
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
    locked = _lock(submission.pk)
    if locked.status != ReviewStatus.PENDING:
        raise ReviewConflict(f"This submission is {locked.get_status_display().lower()}; there is nothing to claim.")
    locked.claimed_by = curator
    locked.claimed_at = timezone.now()
    locked.save(update_fields=["claimed_by", "claimed_at", "updated_at"])
    return locked


@transaction.atomic
def release(submission: Submission, curator) -> Submission:
    locked = _lock(submission.pk)
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


@transaction.atomic
def approve(submission: Submission, curator, reason: str = "") -> Submission:
    """Approve the submission's mappings (and its new paper) in one transaction; a second approval fails."""
    locked = _lock(submission.pk)
    _check_reviewable(locked, curator)
    _apply_approval(locked, curator, reason)
    return locked


def _close(submission: Submission, curator, reason: str, status: str, paper_status: str | None) -> Submission:
    if not reason.strip():
        raise ReasonRequired("A reason is required; the submitter sees it.")
    locked = _lock(submission.pk)
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


#
# What a curator sees: the submission against the existing data
#


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
            paper_changes = _changed(previous, paper, PAPER_FIELDS)

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
                changed_fields=_changed(sent_back[m.pk], m, MAPPING_FIELDS) if m.pk in sent_back else [],
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
