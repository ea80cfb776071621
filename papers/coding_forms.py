"""Forms of double coding: a blind coding (rows of fault, strength, evidence kind, rationale) and an adjudication
(the same rows, prefilled from both codings, where "drop" leaves a fault out, plus the reason)."""

from __future__ import annotations

from django import forms

from papers.adjudication import CodedValues
from papers.forms import Vocabulary
from papers.models import FaultMapping
from taxonomy.models import Fault, Strength

MAX_CODED = 30
DROP = ""


class CodedMappingForm(forms.Form):
    """One mapping of a coding; an empty row is ignored."""

    fault = forms.CharField(
        label="Fault id",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"list": "fault-options", "autocomplete": "off", "spellcheck": "false"}),
    )
    strength = forms.ChoiceField(
        choices=[(DROP, "—")] + list(Strength.choices),
        required=False,
        help_text="Explicit: the paper names the fault as a target. Partial: it plausibly helps but does not name it.",
    )
    evidence_kind = forms.ChoiceField(
        label="Evidence read in", choices=FaultMapping.EvidenceKind.choices, initial=FaultMapping.EvidenceKind.ABSTRACT
    )
    rationale = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, vocabulary: Vocabulary, **kwargs):
        super().__init__(*args, **kwargs)
        self.vocabulary = vocabulary

    def clean_fault(self) -> Fault | None:
        code = self.cleaned_data["fault"].strip()
        if not code:
            return None
        fault = self.vocabulary.fault(code)
        if fault is None:
            raise forms.ValidationError(f"Unknown fault id “{code}”: use an id from the taxonomy, e.g. H-1.2.3-1.")
        return fault

    def clean(self):
        data = super().clean()
        fault, strength = data.get("fault"), data.get("strength")
        if fault is not None and strength and not (data.get("rationale") or "").strip():
            self.add_error("rationale", "Say why: what in the paper supports this mapping.")
        if fault is None and strength and not self.has_error("fault"):
            self.add_error("fault", "Give the fault id of this mapping, or set its strength to “—”.")
        return data

    def values(self) -> CodedValues | None:
        """The row as a mapping, or None when it is empty or dropped."""
        data = self.cleaned_data
        if data.get("fault") is None or not data.get("strength"):
            return None
        return CodedValues(data["fault"], data["strength"], data["evidence_kind"], data["rationale"].strip())


class BaseCodedFormSet(forms.BaseFormSet):
    def clean(self):
        if any(form.errors for form in self.forms):
            return
        seen = set()
        for form in self.forms:
            values = form.values()
            if values is None:
                continue
            if values.fault.pk in seen:
                form.add_error("fault", f"{values.fault.code} is in another row already.")
            seen.add(values.fault.pk)

    def mappings(self) -> list[CodedValues]:
        return [v for v in (form.values() for form in self.forms) if v is not None]


CodedFormSet = forms.formset_factory(
    CodedMappingForm, formset=BaseCodedFormSet, extra=3, max_num=MAX_CODED, absolute_max=MAX_CODED
)


class CodingNoteForm(forms.Form):
    note = forms.CharField(
        label="Note (optional)", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AdjudicationReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why these are the final mappings; kept with the decision and in the history.",
        error_messages={"required": "A reason is required; it is kept with the decision and in the history."},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("A reason is required; it is kept with the decision and in the history.")
        return reason


def coded_formset(data=None, *, vocabulary: Vocabulary, initial=None, extra: int = 3) -> BaseCodedFormSet:
    """A coding formset; ``initial`` rows (dicts) prefill it, followed by ``extra`` empty rows."""
    cls = forms.formset_factory(
        CodedMappingForm, formset=BaseCodedFormSet, extra=extra, max_num=MAX_CODED, absolute_max=MAX_CODED
    )
    return cls(data, prefix="mappings", initial=initial, form_kwargs={"vocabulary": vocabulary})
