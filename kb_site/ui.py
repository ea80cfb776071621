"""Small helpers the server-rendered pages share (no statistics here: those live in coverage/coverage.py)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import cached_property

from django import forms
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from taxonomy.models import Fault, Method
from taxonomy.tree import Tree

INDENT = "\u2003"  # an em space per tree level inside <option> labels


def fault_options(tree: Tree) -> list[tuple[str, str]]:
    """Every node as a select option, indented by depth, in tree order (built once per tree object: the cached
    coverage tree serves every request until the data changes)."""
    options = tree.__dict__.get("_fault_options")
    if options is None:
        options = [(node.fault.code, f"{INDENT * node.depth}{node.fault.code} {node.fault.name}") for node in tree]
        tree.__dict__["_fault_options"] = options
    return options


def method_options(methods: Iterable[Method]) -> list[tuple[str, str]]:
    return [(m.code, f"{INDENT if m.parent_id else ''}{m.name}") for m in methods]


class FaultSelect(forms.Select):
    """``forms.Select`` with the same markup from one template loop (``includes/fault_select.html``): Django's own
    template includes one template per option, and the taxonomy has ~1,100 nodes at scale 100.

    ``searchable``: a search box before the select (``static/js/fault_picker.js`` shows it and hides the options
    whose label lacks a typed word, so a fault is found by name or id); without JavaScript it stays hidden and the
    plain select works."""

    def __init__(self, attrs=None, choices=(), *, searchable: bool = False):
        super().__init__(attrs, choices)
        self.searchable = searchable

    def get_context(self, name, value, attrs):
        # The options as plain (value, label, selected) tuples: ChoiceWidget.optgroups builds a dict per option.
        context = forms.Widget.get_context(self, name, value, attrs)
        chosen = set(context["widget"]["value"])
        options = [(str(v), label, str(v) in chosen) for v, label in self.choices]
        context["widget"]["options"] = options
        # The same markup as the template loop over the options would give, joined in Python (Python's html.escape
        # is what Django's escape filter calls, without its lazy-string wrapper): ~40 ms per 1,100-option select with
        # the loop, a few ms this way.
        context["widget"]["options_html"] = mark_safe(
            "".join(
                f'\n  <option value="{html.escape(v)}"{" selected" if selected else ""}>{html.escape(label)}</option>\n'
                for v, label, selected in options
            )
        )
        context["widget"]["searchable"] = self.searchable
        return context

    def render(self, name, value, attrs=None, renderer=None):
        return render_to_string("includes/fault_select.html", self.get_context(name, value, attrs))


def label_choices(
    form: forms.Form,
    *,
    tree: Tree | None = None,
    fault_choices: list[tuple[str, str]] | None = None,
    methods: Iterable[Method] | None = None,
    hidden: Iterable[str] = (),
) -> None:
    """Make a filter form ready for a page without changing what it accepts.

    Fault and method selects get labels from data already loaded (a ModelChoiceField would otherwise query its
    whole table each time the template renders it; fault options are indented by depth, from ``tree`` or given
    ready as ``fault_choices``, i.e. ``fault_options(tree)``); "---------" becomes
    "Any"; the ``hidden`` fields (database ids, meant for API clients) are left out of the page's form, so its
    URLs carry one parameter per concept (the API keeps them).
    """
    method_list = list(methods) if methods is not None else None
    for name in hidden:
        form.fields.pop(name, None)
    for name, field in form.fields.items():
        if isinstance(field, forms.NullBooleanField) and isinstance(field.widget, forms.NullBooleanSelect):
            field.widget.choices = [("unknown", "Any"), ("true", "Yes"), ("false", "No")]
            continue
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            choices = list(field.choices)
            if choices and choices[0][0] == "" and choices[0][1] == "---------":
                field.widget.choices = [("", "Default" if name == "ordering" else "Any"), *choices[1:]]
            continue
        if not isinstance(field, forms.ModelChoiceField):
            continue
        model = field.queryset.model
        if model is Fault and (tree is not None or fault_choices is not None):
            if type(field.widget) is forms.Select:
                field.widget = FaultSelect(attrs=field.widget.attrs)
            options = fault_choices if fault_choices is not None else fault_options(tree)
            field.widget.choices = [("", "Any fault"), *options]
        elif model is Method and method_list is not None:
            field.widget.choices = [("", "Any method"), *method_options(method_list)]


class CappedPaginator(Paginator):
    """Django's paginator whose count stops at ``cap`` rows: ``COUNT(*)`` over a heavy fault's evidence (~170,000
    records at scale 100) cost more than the page itself. Past the cap, ``capped`` is true (the page then says "more
    than") and pages reach as far as the cap; narrower filters reach the rest."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            rows = rows.order_by()  # how many, not which: no sort needed to count the first cap + 1
        counted = rows[: self.cap + 1].count() if hasattr(rows, "count") else len(rows[: self.cap + 1])
        self.capped = counted > self.cap
        return min(counted, self.cap)
