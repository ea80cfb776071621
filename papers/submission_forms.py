"""The forms of one submission, bound from a web POST or an API body, and the API's 400 body built from their errors.

The web form and the JSON API validate with the same forms (``papers.validation``), so every rule and message is
the same on both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from papers.duplicates import PaperMatch, match_json
from papers.forms import BibTeXForm, MappingForm, MappingFormSet, PaperForm, SubmissionForm, Vocabulary
from papers.models import FaultMapping, Paper, Submission
from taxonomy.models import ReviewStatus


def _raw(form) -> dict:
    """What was typed into ``form``, to show it again without error messages."""
    return {name: form[name].value() for name in form.fields}


def _mapping_initial(mapping: FaultMapping) -> dict:
    return {
        "fault": mapping.fault.code,
        "methods": [m.code for m in mapping.methods.all()],
        **{name: getattr(mapping, name) for name in FaultMapping.CURATED_FIELDS},
    }


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
    def from_json(
        cls, data: dict, vocabulary: Vocabulary, *, editing: Submission | None = None, version: str = ""
    ) -> SubmissionForms:
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
                paper_data = {name: parsed.get(name) for name in Paper.SUBMITTED_FIELDS} | explicit
        submission = SubmissionForm(
            {
                "paper_choice": SubmissionForm.NEW if new_paper else SubmissionForm.EXISTING,
                "existing_paper": data.get("paper_key") or "",
                "comment": data.get("comment") or "",
                "version": version,  # an edit's If-Match: checked again under the row lock
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

    @classmethod
    def unbound(
        cls,
        vocabulary: Vocabulary,
        *,
        submission_initial: dict | None = None,
        paper_initial: dict | None = None,
        mappings_initial: list[dict] | None = None,
        editing: Submission | None = None,
    ) -> SubmissionForms:
        """The web form as first shown (or shown again), holding ``*_initial`` and no errors."""
        formset = MappingFormSet(
            prefix="mappings", initial=mappings_initial or [], form_kwargs={"vocabulary": vocabulary}
        )
        return cls(
            submission=SubmissionForm(initial=submission_initial or {}, editing=editing),
            paper=PaperForm(prefix="paper", initial=paper_initial or {}),
            mappings=list(formset.forms),
            formset=formset,
            editing=editing,
        )

    @classmethod
    def for_edit(cls, submission: Submission, vocabulary: Vocabulary) -> SubmissionForms:
        """The web edit form of ``submission``: its comment, its new paper's data and its open mappings."""
        mappings = submission.mappings.exclude(status=ReviewStatus.APPROVED).select_related("fault")
        forms = cls.unbound(
            vocabulary,
            submission_initial={"comment": submission.comment},
            paper_initial={name: getattr(submission.paper, name) or "" for name in Paper.SUBMITTED_FIELDS},
            mappings_initial=[_mapping_initial(m) for m in mappings.prefetch_related("methods")],
            editing=submission,
        )
        if not submission.creates_paper:
            forms.paper = None
        return forms

    def redisplay(self, vocabulary: Vocabulary, **overrides) -> SubmissionForms:
        """The same submission as unbound forms holding what was typed (plus ``overrides``), with no errors.

        For the web form's "prefill from BibTeX" and "use this paper" buttons.
        """
        paper_raw = _raw(self.paper) if self.paper is not None else self.paper_as_typed().initial
        submission_raw = _raw(self.submission)
        submission_raw.update(overrides.pop("submission", {}))
        paper_raw.update(overrides.pop("paper", {}))
        return self.unbound(
            vocabulary,
            submission_initial=submission_raw,
            paper_initial=paper_raw,
            mappings_initial=[_raw(form) for form in self.mappings],
            editing=self.editing,
        )

    def paper_as_typed(self) -> PaperForm:
        """The new paper's fields as typed, unbound: kept (hidden) on the page while an existing paper is chosen."""
        return PaperForm(prefix="paper", initial=_raw(PaperForm(self.submission.data, prefix="paper")))

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
