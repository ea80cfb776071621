"""Small helpers the server-rendered pages share (no statistics here: those live in coverage/coverage.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms

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


def label_choices(
    form: forms.Form,
    *,
    tree: Tree | None = None,
    methods: Iterable[Method] | None = None,
    hidden: Iterable[str] = (),
) -> None:
    """Make a filter form ready for a page without changing what it accepts.

    Fault and method selects get labels from data already loaded (a ModelChoiceField would otherwise query its
    whole table each time the template renders it; fault options are indented by depth); "---------" becomes
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
        if model is Fault and tree is not None:
            field.widget.choices = [("", "Any fault"), *fault_options(tree)]
        elif model is Method and method_list is not None:
            field.widget.choices = [("", "Any method"), *method_options(method_list)]
