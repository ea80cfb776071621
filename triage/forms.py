from django import forms

from triage.validators import validate_report_text


class ClassifyForm(forms.Form):
    text = forms.CharField(
        label="Bug report",
        strip=False,
        validators=[validate_report_text],
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100, "spellcheck": "false"}),
        help_text="A StackOverflow question, a GitHub issue, or a stack trace with the code around it (up to 50 kB).",
    )
