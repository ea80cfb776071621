from django import forms

from search.engine import MAX_LENGTH, MAX_WORDS
from search.spelling import WORD


class SearchForm(forms.Form):
    """The search box: a query of at most ``MAX_LENGTH`` characters and ``MAX_WORDS`` words."""

    q = forms.CharField(
        label="Search faults, papers, evidence and challenges",
        required=False,
        max_length=MAX_LENGTH,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "id": "search-q"}),
    )

    def clean_q(self) -> str:
        query = " ".join(self.cleaned_data["q"].split())
        if "\x00" in query:
            raise forms.ValidationError("The query contains a character that cannot be searched for.")
        if len(WORD.findall(query)) > MAX_WORDS:
            raise forms.ValidationError(f"Use at most {MAX_WORDS} words; the most telling ones find the most.")
        return query
