"""A ``<select>`` that renders its options without the template engine.

Django renders every ``<option>`` through two included templates; a fault select lists the whole taxonomy
(about 1,100 options at the benchmark's scale, twice on the papers list), which made rendering the filter form
the slowest part of those pages. ``FastSelect`` produces exactly the markup of ``forms.Select`` (a test compares
the two) with plain string formatting, and falls back to Django's rendering for option groups.
"""

from django import forms
from django.utils.choices import normalize_choices
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{conditional_escape(str(value))}"')
    return "".join(out)


class FastSelect(forms.Select):
    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value):
        # A flat list of (value, label) pairs (what kb_site.ui.label_choices assigns) is kept as it is: Django
        # normalises choices on every assignment and every copy of the form, once per option.
        if isinstance(value, list) and all(
            type(choice) is tuple and len(choice) == 2 and not isinstance(choice[1], (list, tuple)) for choice in value
        ):
            self._choices = value
        else:
            self._choices = normalize_choices(value)

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if self.allow_multiple_selected or any(isinstance(label, (list, tuple)) for _, label in choices):
            return super().render(name, value, attrs, renderer)
        values = self.format_value(value)
        escape = conditional_escape
        parts = [format_html('<select name="{}"', name), _attrs(self.build_attrs(self.attrs, attrs)), ">"]
        has_selected = False
        for option_value, label in choices:
            option_value = "" if option_value is None else str(option_value)
            selected = not has_selected and option_value in values
            has_selected |= selected
            marker = " selected" if selected else ""
            parts.append(f'\n  <option value="{escape(option_value)}"{marker}>{escape(label)}</option>\n')
        parts.append("\n</select>")
        return mark_safe("".join(parts))
