"""Validation of one submission: every rule once, each message on the field it is about (web form and API alike).

The forms check each value; the rules here need the database: duplicate papers, mappings already in the knowledge
base (or twice in the submission), the rate limit.
"""

from __future__ import annotations

from papers.duplicates import find_duplicates
from papers.forms import MAX_MAPPINGS
from papers.models import FaultMapping, Paper, Submission
from papers.ratelimit import rate_limit_message
from papers.submission_forms import SubmissionForms
from taxonomy.models import ReviewStatus

LIVE_STATUSES = (ReviewStatus.PENDING, ReviewStatus.CHANGES_REQUESTED, ReviewStatus.APPROVED)


class SubmissionInvalid(Exception):
    """Validation failed; the errors are on ``forms``."""

    def __init__(self, forms: SubmissionForms):
        super().__init__("The submission is not valid.")
        self.forms = forms


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


def report_lost_race(user, forms: SubmissionForms) -> None:
    """Say why the database refused a valid submission: another one, committed meanwhile, holds its paper (DOI, arXiv
    id, normalised title) or a mapping. The rules run again and name the field; a general message otherwise."""
    _check_duplicate_paper(forms, user)
    _check_mappings(forms, _resolve_paper(forms))
    if not any(form.errors for form in forms.all_forms()):
        forms.non_field_errors.append(
            "Someone proposed the same paper or mapping a moment ago; nothing was saved. Check and submit again."
        )


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
