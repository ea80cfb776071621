from django import forms
from django.conf import settings

from search.spelling import WORD


class SearchForm(forms.Form):
    """The search box: at most ``KB_SEARCH_MAX_LENGTH`` characters and ``KB_SEARCH_MAX_WORDS`` words.

    Every word costs the index a full-text term, so a long query is a form error rather than a slow page for everyone.
    """

    q = forms.CharField(
        label="Search faults, papers, evidence and challenges",
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "id": "search-q"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].max_length = settings.KB_SEARCH_MAX_LENGTH
        self.fields["q"].widget.attrs["maxlength"] = str(settings.KB_SEARCH_MAX_LENGTH)

    def clean_q(self) -> str:
        query = " ".join(self.cleaned_data["q"].split())
        length, words = settings.KB_SEARCH_MAX_LENGTH, settings.KB_SEARCH_MAX_WORDS
        if "\x00" in query:
            raise forms.ValidationError("The query contains a character that cannot be searched for.")
        if len(query) > length:
            raise forms.ValidationError(f"Search for at most {length} characters (this is {len(query)}).")
        count = len(WORD.findall(query))
        if count > words:
            raise forms.ValidationError(f"Search for at most {words} words (this is {count}).")
        return query
