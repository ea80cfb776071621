"""A dataset document as tables: one CSV per model and a data dictionary of every column (meaning, type, allowed
values), read from the models' own field definitions. Used by a release's archive."""

from __future__ import annotations

import csv
import io
import json

from django.apps import apps
from django.db import models

from datasets.dataset import _label, _m2m_fields, _plain_fields, identity_fields


def cell(value) -> str:
    """A value as CSV text: empty for none, true/false, lists and objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def table_columns(model: type[models.Model]) -> list[models.Field]:
    """The columns of a table's CSV after ``pk``: its plain fields, then its many-to-many fields."""
    return [*_plain_fields(model), *_m2m_fields(model)]


def table_csv(label: str, records: list[dict]) -> str:
    model = apps.get_model(label)
    columns = [f.name for f in table_columns(model)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["pk", *columns])
    for record in records:
        writer.writerow([cell(record["pk"]), *[cell(record["fields"].get(name)) for name in columns]])
    return buffer.getvalue()


TYPE_NAMES = {
    "AutoField": "integer",
    "BigAutoField": "integer",
    "BooleanField": "boolean (true/false)",
    "CharField": "text",
    "SlugField": "text (letters, digits, hyphens)",
    "TextField": "text",
    "URLField": "text (URL)",
    "EmailField": "text (e-mail address)",
    "UUIDField": "text (UUID)",
    "DateTimeField": "date-time (ISO 8601)",
    "DateField": "date (ISO 8601)",
    "DecimalField": "decimal number",
    "IntegerField": "integer",
    "PositiveIntegerField": "integer ≥ 0",
    "PositiveSmallIntegerField": "integer ≥ 0",
    "JSONField": "JSON",
    "BinaryField": "binary (base64)",
}


def _described_reference(field: models.Field) -> str:
    target = field.related_model
    names = identity_fields(target)
    return f"{_label(target)} by {' + '.join(names)}"


def column_description(field: models.Field) -> dict:
    """One data-dictionary row: column, meaning, type, allowed values."""
    meaning = str(field.verbose_name)
    if field.help_text:
        meaning += f": {field.help_text}"
    if field.many_to_many:
        kind, allowed = "JSON list", f"identities of {_described_reference(field)}"
    elif field.is_relation:
        kind, allowed = "reference", _described_reference(field)
    else:
        kind = TYPE_NAMES.get(field.get_internal_type(), field.get_internal_type())
        allowed = " | ".join(f"{value} ({label})" for value, label in field.choices) if field.choices else ""
    if getattr(field, "null", False) and not field.many_to_many:
        allowed = (allowed + "; " if allowed else "") + "empty = unknown / none"
    return {"column": field.name, "meaning": meaning, "type": kind, "allowed values": allowed}


def data_dictionary(labels: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, ["table", "column", "meaning", "type", "allowed values"], lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    for label in labels:
        model = apps.get_model(label)
        doc = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
        writer.writerow({"table": label, "column": "pk", "meaning": f"Row id. {doc}", "type": "integer"})
        for field in table_columns(model):
            writer.writerow({"table": label, **column_description(field)})
    return buffer.getvalue()
