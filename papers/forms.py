"""Forms for submitting papers and mappings, reviewing submissions and retracting mappings.

The web form and the JSON API validate with the same forms: ``papers/api/views.py`` feeds the JSON
body into them. Rules that need the database beyond a lookup (duplicate papers, mappings already in the
knowledge base, the rate limit) live in ``papers/validation.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from django import forms
from django.utils import timezone

from kb_site.ui import FaultSelect
from papers.bibtex import MAX_BIBTEX_BYTES, BibTeXError, parse_bibtex
from papers.models import ARXIV_RE, DOI_RE, FaultMapping, Paper, Submission
from taxonomy.models import Fault, Method, Phase, Strength

YEAR_MIN = 1950
MAX_MAPPINGS = 20

# The artefacts a technique works on, as the curated mappings name them.
TARGET_CHOICES = [
    ("DL program", "DL program (model code, training script)"),
    ("trained model", "Trained model"),
    ("training data", "Training data"),
    ("DL library/compiler", "DL library or compiler"),
    ("ML pipeline configuration", "ML pipeline configuration"),
    ("ML test suite", "ML test suite"),
    ("ML-enabled application", "ML-enabled application"),
]


def year_max() -> int:
    return timezone.now().year + 1


def normalise_doi(value: str) -> str:
    """A DOI without its resolver or ``doi:`` prefix (``https://doi.org/10.1/x`` -> ``10.1/x``)."""
    value = (value or "").strip()
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", value, flags=re.IGNORECASE).strip()


def normalise_arxiv(value: str) -> str:
    """An arXiv id without prefix, URL or version (``arXiv:2503.03158v2`` -> ``2503.03158``)."""
    value = (value or "").strip()
    value = re.sub(r"^(?:https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/|arxiv:\s*)", "", value, flags=re.IGNORECASE)
    value = re.sub(r"\.pdf$", "", value)
    return re.sub(r"v\d+$", "", value).strip()


#
# Vocabulary: faults and methods, loaded once per request (2 queries) and shared by every mapping form
#


@dataclass(frozen=True)
class Vocabulary:
    faults: dict[str, Fault]  # by code
    methods: dict[str, Method]  # by code, in display order
    # Each fault's coverage status in words ("unaddressed", "category"), by code: given by a web view (which may call
    # the coverage engine; this module may not) so the fault picker shows it. Empty for the API.
    statuses: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, *, statuses: Mapping[str, str] | None = None) -> Vocabulary:
        faults = {f.code: f for f in Fault.objects.only("id", "code", "name", "kind", "position").order_by("position")}
        methods = {m.code: m for m in Method.objects.only("id", "code", "name", "parent_id").order_by("position")}
        return cls(faults=faults, methods=methods, statuses=statuses or {})

    @cached_property
    def fault_choices(self) -> list[tuple[str, str]]:
        """The fault picker's options, tree order: "H-1.2.3-1 Wrong tensor shape — unaddressed" (the status when
        known). Built once per vocabulary and shared by every mapping form of the page."""
        options = [("", "Choose a fault")]
        for code, fault in self.faults.items():
            status = self.statuses.get(code)
            options.append((code, f"{code} {fault.name} — {status}" if status else f"{code} {fault.name}"))
        return options

    @property
    def method_choices(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Methods grouped by family (a top-level method): the family itself first, then its subtypes."""
        families = [m for m in self.methods.values() if m.parent_id is None]
        family_ids = {family.pk for family in families}
        groups = [
            (
                family.name,
                [(family.code, f"{family.name} (in general)")]
                + [(code, m.name) for code, m in self.methods.items() if m.parent_id == family.pk],
            )
            for family in families
        ]
        deeper = [(code, m.name) for code, m in self.methods.items() if m.parent_id and m.parent_id not in family_ids]
        return groups + ([("Other methods", deeper)] if deeper else [])

    def fault(self, code: str) -> Fault | None:
        code = (code or "").strip()
        if code in self.faults:
            return self.faults[code]
        lowered = code.lower()
        return next((f for c, f in self.faults.items() if c.lower() == lowered), None)


#
# Submitting
#


class AuthorsField(forms.Field):
    """Authors, one per line in the web form or a JSON list in the API; cleans to a list of names."""

    widget = forms.Textarea(attrs={"rows": 3})
    default_error_messages = {"required": "List at least one author (one per line)."}

    def to_python(self, value) -> list[str]:
        items = [str(v) for v in value] if isinstance(value, (list, tuple)) else re.split(r"\r?\n", str(value or ""))
        return [" ".join(item.split()) for item in items if item.strip()]

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, (list, tuple)) else value

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > 200:
            raise forms.ValidationError("At most 200 authors.")
        if any(len(name) > 200 for name in value):
            raise forms.ValidationError("An author name is longer than 200 characters.")


class PaperForm(forms.Form):
    """A new paper's metadata (by hand or prefilled from BibTeX)."""

    title = forms.CharField(max_length=500)
    authors = AuthorsField(help_text="One author per line, in order.")
    year = forms.IntegerField(error_messages={"invalid": "Year must be a whole number, e.g. 2023."})
    venue = forms.CharField(max_length=300, required=False, help_text="Conference or journal, if published.")
    doi = forms.CharField(label="DOI", max_length=200, required=False, help_text="e.g. 10.1145/3377811.3380395")
    arxiv_id = forms.CharField(label="arXiv id", max_length=50, required=False, help_text="e.g. 2503.03158")
    url = forms.URLField(label="URL", max_length=500, required=False, assume_scheme="https")

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not re.search(r"\w", title):
            raise forms.ValidationError("The title needs letters or digits.")
        return title

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not YEAR_MIN <= year <= year_max():
            raise forms.ValidationError(f"Year must be between {YEAR_MIN} and {year_max()}.")
        return year

    def clean_doi(self) -> str:
        doi = normalise_doi(self.cleaned_data["doi"])
        if doi and not DOI_RE.match(doi):
            raise forms.ValidationError("Not a DOI: expected something like 10.1145/3377811.3380395.")
        return doi

    def clean_arxiv_id(self) -> str:
        arxiv_id = normalise_arxiv(self.cleaned_data["arxiv_id"])
        if arxiv_id and not ARXIV_RE.match(arxiv_id):
            raise forms.ValidationError("Not an arXiv id: expected something like 2503.03158 or cs/0112017.")
        return arxiv_id

    def clean(self):
        data = super().clean()
        fields = ("doi", "arxiv_id", "url")
        if not any(name in self.errors for name in fields) and not any(data.get(name) for name in fields):
            self.add_error("doi", "Give a DOI, an arXiv id or a URL, so curators can find the paper.")
        return data


class MappingForm(forms.Form):
    """One proposed mapping: the paper addresses this fault, with this evidence."""

    fault = forms.CharField(
        label="Fault",
        max_length=40,
        help_text="A fault of the taxonomy, shown with its coverage status. Type words of its name or its id to narrow "
        "the list.",
        widget=FaultSelect(searchable=True),
    )
    strength = forms.ChoiceField(
        choices=Strength.choices,
        widget=forms.RadioSelect,
        help_text="Explicit: the paper names this fault as a target. Partial: it plausibly helps but does not name it.",
    )
    methods = forms.MultipleChoiceField(
        label="Debugging methods",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one debugging method."},
    )
    phases = forms.MultipleChoiceField(
        choices=Phase.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one phase."},
    )
    targets = forms.MultipleChoiceField(
        label="Target artefacts",
        choices=TARGET_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one target artefact."},
    )
    rationale = forms.CharField(
        label="Evidence",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What in the paper shows that it addresses this fault.",
        error_messages={"required": "Evidence is required: say what in the paper shows it addresses this fault."},
    )
    evidence_kind = forms.ChoiceField(
        label="Evidence read in",
        choices=FaultMapping.EvidenceKind.choices,
        initial=FaultMapping.EvidenceKind.ABSTRACT,
        required=False,
        help_text="Where you read the evidence (the abstract unless you say otherwise).",
    )
    evidence_note = forms.CharField(
        label="Further notes", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    quote = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    quote_locator = forms.CharField(
        label="Quote locator",
        max_length=300,
        required=False,
        help_text="Where the quote is: section, page or table (e.g. “abstract”, “Sec. 4.2, p. 7”, “Table 3”).",
    )

    def __init__(self, *args, vocabulary: Vocabulary, **kwargs):
        super().__init__(*args, **kwargs)
        self.vocabulary = vocabulary
        self.fields["methods"].choices = vocabulary.method_choices
        self.fields["fault"].widget.choices = vocabulary.fault_choices

    def clean_fault(self) -> Fault:
        code = self.cleaned_data["fault"]
        fault = self.vocabulary.fault(code)
        if fault is None:
            raise forms.ValidationError(f"Unknown fault id “{code}”: use an id from the taxonomy, e.g. H-1.2.3-1.")
        return fault

    def clean_evidence_kind(self) -> str:
        return self.cleaned_data["evidence_kind"] or FaultMapping.EvidenceKind.ABSTRACT

    def clean_methods(self) -> list[Method]:
        return [self.vocabulary.methods[code] for code in self.cleaned_data["methods"]]

    def clean(self):
        data = super().clean()
        if data.get("quote") and not data.get("quote_locator"):
            self.add_error("quote_locator", "Say where the quote is: section, page or table.")
        return data


class BaseMappingFormSet(forms.BaseFormSet):
    def get_deletion_widget(self):
        return forms.CheckboxInput(attrs={"class": "mapping-delete"})


MappingFormSet = forms.formset_factory(
    MappingForm,
    formset=BaseMappingFormSet,
    extra=0,
    min_num=1,
    max_num=MAX_MAPPINGS,
    absolute_max=MAX_MAPPINGS,
    can_delete=True,
)


class SubmissionForm(forms.Form):
    """Which paper the submission is about (new, or one already in the knowledge base) and a note."""

    NEW = "new"
    EXISTING = "existing"

    paper_choice = forms.ChoiceField(
        label="The paper is",
        choices=[(NEW, "A new paper (not yet in the knowledge base)"), (EXISTING, "Already in the knowledge base")],
        widget=forms.RadioSelect,
        initial=NEW,
    )
    existing_paper = forms.CharField(
        label="Paper key",
        max_length=120,
        required=False,
        help_text="Search by title, DOI or arXiv id and pick the paper; its key is filled in.",
    )
    comment = forms.CharField(
        label="Note to the curators", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, editing: Submission | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if editing is not None:
            # The paper of a submission under edit is fixed; only its data and the mappings change.
            del self.fields["paper_choice"], self.fields["existing_paper"]
            # The submission as the form was opened: saving refuses if it changed since (papers.submissions.edit).
            # Optional, so an API client (which sends no version) is not required to.
            self.fields["version"] = forms.CharField(
                required=False, max_length=64, widget=forms.HiddenInput, initial=editing.version
            )

    def clean(self):
        data = super().clean()
        if data.get("paper_choice") == self.EXISTING:
            key = (data.get("existing_paper") or "").strip()
            if not key:
                self.add_error("existing_paper", "Pick the paper the mappings are for.")
            else:
                paper = Paper.objects.public().filter(key=key).first()
                if paper is None:
                    self.add_error("existing_paper", f"No paper with key “{key}” in the knowledge base.")
                data["paper"] = paper
        return data


class BibTeXForm(forms.Form):
    """Pasted or uploaded BibTeX, parsed into paper fields (``cleaned_data["parsed"]``)."""

    bibtex = forms.CharField(
        label="BibTeX",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=f"Paste one entry (at most {MAX_BIBTEX_BYTES // 1000} kB); it fills in the paper's fields.",
    )
    bibtex_file = forms.FileField(label="or upload a .bib file", required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        upload = data.get("bibtex_file")
        text = data.get("bibtex") or ""
        if upload:
            if upload.size > MAX_BIBTEX_BYTES:
                self.add_error("bibtex_file", f"BibTeX is limited to {MAX_BIBTEX_BYTES // 1000} kB.")
                return data
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("bibtex_file", "The file is not UTF-8 text.")
                return data
        if not text.strip():
            self.add_error("bibtex", "Paste a BibTeX entry or choose a .bib file.")
            return data
        try:
            data["parsed"] = parse_bibtex(text)
        except BibTeXError as exc:
            self.add_error("bibtex_file" if upload else "bibtex", str(exc))
        except Exception:  # bibtexparser raises assorted errors on malformed input
            self.add_error("bibtex_file" if upload else "bibtex", "This BibTeX could not be read.")
        return data


#
# Reviewing
#


class ReviewForm(forms.Form):
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"

    decision = forms.ChoiceField(
        choices=[(APPROVE, "Approve"), (REJECT, "Reject"), (REQUEST_CHANGES, "Request changes")],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when rejecting or requesting changes; the submitter sees it.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") in (self.REJECT, self.REQUEST_CHANGES) and not data.get("reason"):
            what = "rejecting" if data["decision"] == self.REJECT else "requesting changes"
            self.add_error("reason", f"Give a reason when {what}: the submitter sees it.")
        return data


class RetractForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give a reason for retracting this mapping; it is kept in its history."},
    )
