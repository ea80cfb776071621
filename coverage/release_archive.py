"""A release's archive: one zip with the public data as of its snapshot, built once at publication.

Contents (under ``kb-release-<version>/``):

* ``dataset.json``: the public dataset (``datasets.dataset``, format ``kb-dataset``, its schema version) with the
  mapping set of the release's snapshot: exactly its mappings, each approved, with the fault, strength and
  methods frozen in the snapshot. ``manage.py import_dataset`` loads it into an empty database, which then
  computes the release's figures.
* ``csv/<app>.<model>.csv``: one CSV per table of ``dataset.json`` (same rows; lists and objects as JSON text).
* ``data-dictionary.csv``: every column of every table: its meaning, type and allowed values.
* ``figures.json`` / ``figures.csv``: the coverage figures of the release.
* ``README.md`` (coverage rule, provenance), ``LICENSES.md`` (licences and attributions), ``CITATION.cff``,
  ``.zenodo.json``.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

from django.apps import apps
from django.db import models

from coverage import release_files
from datasets import dataset
from papers.models import FaultMapping, Paper
from taxonomy.models import ReviewStatus

MAPPINGS = "papers.faultmapping"
PAPERS = "papers.paper"
RELEASES = "coverage.release"
# Zip entries get this fixed time, so the same release data always gives the same bytes.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class ArchiveError(ValueError):
    """The snapshot refers to rows that no longer exist, so its data cannot be reproduced."""


def release_dataset(snapshot) -> dict:
    """The public dataset with the snapshot's mapping set in place of the live one (see the module docstring)."""
    data = dataset.dump(dataset.PUBLIC)
    data["records"].pop(RELEASES, None)
    entries = {str(e.mapping_uid): e for e in snapshot.entries.select_related("fault")}
    rows = FaultMapping.objects.filter(uid__in=list(entries)).select_related("paper")
    found = {str(m.uid): m for m in rows}
    missing = sorted(set(entries) - set(found))
    if missing:
        raise ArchiveError(f"Snapshot {snapshot.name} refers to {len(missing)} mapping(s) deleted since; freeze anew.")
    # The full-scope records of those mappings (whatever their status now), then the frozen values on top.
    full = {r["fields"]["uid"]: r for r in records_of(FaultMapping, FaultMapping.objects.filter(uid__in=list(entries)))}
    mappings = []
    for uid, entry in sorted(entries.items(), key=lambda item: found[item[0]].pk):
        record = full[uid]
        fields = record["fields"]
        fields.update(
            fault=entry.fault.code,
            strength=entry.strength,
            methods=sorted(entry.methods),
            status=ReviewStatus.APPROVED.value,
            retracted_at=None,
            submission=None,
            submitted_by=None,
        )
        mappings.append(record)
    data["records"][MAPPINGS] = mappings
    # Papers of the snapshot that are not public now (rare) come back as they were: approved.
    have = {r["fields"]["key"] for r in data["records"].get(PAPERS, [])}
    wanted = {found[uid].paper.key for uid in entries} - have
    if wanted:
        extra = records_of(Paper, Paper.objects.filter(key__in=wanted))
        for record in extra:
            record["fields"].update(status=ReviewStatus.APPROVED.value, submitted_by=None)
        data["records"][PAPERS] = sorted([*data["records"].get(PAPERS, []), *extra], key=lambda r: r["pk"])
    data["counts"] = {label: len(rows) for label, rows in data["records"].items()}
    return data


def records_of(model: type[models.Model], queryset) -> list[dict]:
    """Rows of ``queryset`` as public dataset records (whatever their status; references to users left out)."""
    public = {dataset._label(m) for m in dataset.dataset_models(dataset.PUBLIC)}
    keys = dataset.Keys()
    fields = dataset._plain_fields(model)
    m2m = dataset._m2m_fields(model)
    values = list(queryset.order_by("pk").values("pk", *[f.attname for f in fields]))
    m2m_values = dataset._m2m_values(model, m2m, [row["pk"] for row in values])
    records = []
    for row in values:
        out = {}
        for f in fields:
            value = row[f.attname]
            if f.is_relation:
                out[f.name] = (
                    dataset._reference(keys, f.related_model, value)
                    if dataset._label(f.related_model) in public
                    else None
                )
            else:
                out[f.name] = dataset._to_json(f, value)
        for f in m2m:
            targets = m2m_values[f.name].get(row["pk"], [])
            out[f.name] = sorted((dataset._thaw(keys.by_pk(f.related_model)[pk]) for pk in targets), key=repr)
        records.append({"pk": row["pk"], "fields": out})
    return records


#
# CSV and data dictionary
#


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def table_columns(model: type[models.Model]) -> list[models.Field]:
    """The columns of a table's CSV after ``pk``: its plain fields, then its many-to-many fields."""
    return [*dataset._plain_fields(model), *dataset._m2m_fields(model)]


def table_csv(label: str, records: list[dict]) -> str:
    model = apps.get_model(label)
    columns = [f.name for f in table_columns(model)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["pk", *columns])
    for record in records:
        writer.writerow([_cell(record["pk"]), *[_cell(record["fields"].get(name)) for name in columns]])
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


def _reference(field: models.Field) -> str:
    target = field.related_model
    names = dataset.identity_fields(target)
    return f"{dataset._label(target)} by {' + '.join(names)}"


def column_description(field: models.Field) -> dict:
    """One data-dictionary row: column, meaning, type, allowed values."""
    meaning = str(field.verbose_name)
    if field.help_text:
        meaning += f": {field.help_text}"
    if field.many_to_many:
        kind, allowed = "JSON list", f"identities of {_reference(field)}"
    elif field.is_relation:
        kind, allowed = "reference", _reference(field)
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


def _flat_figures(figures: dict, prefix: str = "") -> list[tuple[str, object]]:
    rows = []
    for key, value in figures.items():
        if key == "reported":
            continue
        if isinstance(value, dict):
            rows.extend(_flat_figures(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


def figures_csv(figures: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["figure", "value"])
    for key, value in _flat_figures(figures):
        writer.writerow([key, _cell(value)])
    return buffer.getvalue()


#
# The zip
#


def build(release) -> bytes:
    """The release's zip archive (deterministic for the same data: fixed entry times, sorted tables)."""
    data = release_dataset(release.snapshot)
    root = f"kb-release-{release.version}/"
    files: dict[str, str] = {"dataset.json": json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"}
    labels = sorted(data["records"])
    for label in labels:
        files[f"csv/{label}.csv"] = table_csv(label, data["records"][label])
    files["data-dictionary.csv"] = data_dictionary(labels)
    files["figures.json"] = json.dumps(release.figures, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    files["figures.csv"] = figures_csv(release.figures)
    files.update(release_files.text_files(release, data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(root + name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name].encode("utf-8"))
    return buffer.getvalue()
