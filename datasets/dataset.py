"""The whole dataset as one JSON document with a versioned schema: export, and idempotent import (backups).

Format (``schema_version`` 2)::

    {"format": "kb-dataset", "schema_version": 2, "scope": "full" | "public", "exported_at": "...",
     "counts": {"taxonomy.fault": 132, ...},
     "records": {"taxonomy.fault": [{"pk": 1, "fields": {"code": "H-1", "parent": null, "source": "humbatova2020",
                                                         ...}}, ...], ...}}

Every record names the rows it refers to by their **identity** (a fault by its code, a paper by its key, a mapping
by its uid, an interview mention by ``[interview number, position]``, a user by username), never by a database
id, so a file imports into any database. ``pk`` is kept so a restore into an empty database reproduces the ids
too (history entries and links keep pointing at the same rows).

Schema versions: 2 adds the double coding (``papers.coding``, ``papers.codedmapping``, ``papers.adjudication``
and, in a full backup, the adjudications' history); everything else is as in 1, so a version-1 file (which has
none of them) still imports, unchanged.

Scopes:

* ``full`` (``manage.py export_dataset``, the backup): every record of the project's apps, including pending,
  rejected and retracted mappings, submissions, the users and groups they belong to (with password hashes),
  API tokens, snapshots and their entries, and the change history of faults, papers, mappings and submissions.
  The file is as sensitive as the database.
* ``public`` (``/api/export/dataset/``): what anyone may read: approved papers and mappings, the taxonomy,
  methods, sources, reported figures, practitioner evidence, interviews, challenges, snapshots, and the submitted
  codings and adjudications of public papers (a first coding stays out while its blind second coding is open, and
  so does the open coding). No user, no submission, no history.

Import matches each record on its identity: an existing row is updated only where it differs, a missing one is
created (with its original id when that id is free). Importing the same file twice changes nothing the second
time. Import writes with ``bulk_create``/``update`` (no per-row signals, so no new history entries) and bumps
the coverage cache's data version once at the end.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import decimal
import graphlib
import itertools
import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone

from papers.models import Coding, Paper

FORMAT = "kb-dataset"
SCHEMA_VERSION = 2  # what export writes
READABLE_SCHEMA_VERSIONS = (1, 2)  # what import reads (see the module docstring)
PUBLIC = "public"
FULL = "full"
SCOPES = (PUBLIC, FULL)

PROJECT_APPS = ("taxonomy", "papers", "challenges", "coverage", "accounts", "kb_site", "datasets")
# Models that moved to another app since files were written: the old label still imports.
MOVED_LABELS = {"taxonomy.snapshot": "coverage.snapshot", "taxonomy.snapshotentry": "coverage.snapshotentry"}
# Outside the project's apps, the full backup also keeps who may log in and their API tokens.
ACCOUNT_MODELS = ("auth.group", "auth.user", "authtoken.token")

# Identity of models whose first unique field is not the right one to match on.
IDENTITY_OVERRIDES: dict[str, tuple[str, ...]] = {
    "taxonomy.fault": ("code",),
    "auth.user": ("username",),
}


def _public_codings():
    # Submitted codings of public papers, none hidden: a first coding stays out while its blind second is open.
    return Coding.objects.visible().filter(paper__status="approved").values("pk")


# What the public export leaves out of the rows it includes (functions: some rows follow the models' own rules).
PUBLIC_ROWS: dict[str, Callable[[], Q]] = {
    "papers.paper": lambda: Q(status="approved"),
    "papers.faultmapping": lambda: Q(status="approved", paper__status="approved"),
    "papers.coding": lambda: Q(pk__in=_public_codings()),
    "papers.codedmapping": lambda: Q(coding__in=_public_codings()),
    "papers.adjudication": lambda: Q(paper__status="approved"),
}

# The rows of a paper whose mappings a reader may not see (``papers.blind``): how each table leads to the paper.
PAPER_ROWS: dict[str, str] = {
    "papers.faultmapping": "paper",
    "papers.coding": "paper",
    "papers.codedmapping": "coding__paper",
    "papers.adjudication": "paper",
}


class DatasetError(Exception):
    """The file cannot be imported (unknown schema version, unknown model, a reference to a missing row)."""


#
# Which models, in which order, matched on what
#


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def tracked_model(model: type[models.Model]) -> type[models.Model] | None:
    """The model a django-simple-history ``Historical…`` model records, or None for an ordinary model."""
    return getattr(model, "instance_type", None) if model.__name__.startswith("Historical") else None


def identity_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The field names a row of ``model`` is matched on: a stable unique key, never the auto-increment id."""
    label = _label(model)
    if label in IDENTITY_OVERRIDES:
        return IDENTITY_OVERRIDES[label]
    tracked = tracked_model(model)
    if tracked is not None:
        return ("history_date", "history_type", *identity_fields(tracked))
    pk = model._meta.pk
    if not isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
        return (pk.name,)
    for f in model._meta.local_concrete_fields:
        if f.unique and not f.primary_key and not f.null:
            return (f.name,)
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.condition is None and constraint.fields:
            return tuple(constraint.fields)
    for together in model._meta.unique_together:
        return tuple(together)
    raise DatasetError(f"{model._meta.label} has no unique key to match rows on; add it to IDENTITY_OVERRIDES.")


def _user_fk(f: models.Field) -> bool:
    return f.is_relation and f.related_model is not None and _label(f.related_model) == "auth.user"


def dataset_models(scope: str = FULL) -> list[type[models.Model]]:
    """The models a ``scope`` export holds, each after the models it refers to (history last)."""
    if scope not in SCOPES:
        raise DatasetError(f"Unknown scope {scope!r}; expected one of {', '.join(SCOPES)}.")
    chosen = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.app_label not in PROJECT_APPS:
            continue
        if scope == PUBLIC and (
            tracked_model(model) is not None
            or any(_user_fk(f) and not f.null for f in meta.local_concrete_fields)
            # A release holds its own archive (the public data as of then): never nested in another export.
            or _label(model) in ("papers.submission", "coverage.release")
            or meta.app_label == "datasets"  # seed bookkeeping, not knowledge
        ):
            continue
        chosen.append(model)
    if scope == FULL:
        for label in ACCOUNT_MODELS:
            with contextlib.suppress(LookupError):
                chosen.append(apps.get_model(label))
    labels = {_label(model): model for model in chosen}
    sorter = graphlib.TopologicalSorter()
    for label, model in sorted(labels.items()):
        deps = set()
        if tracked_model(model) is None:
            for f in [*model._meta.local_concrete_fields, *model._meta.local_many_to_many]:
                target = f.related_model if f.is_relation else None
                if target is not None and target is not model and _label(target) in labels:
                    deps.add(_label(target))
        else:
            deps = {other for other in labels if tracked_model(labels[other]) is None}
        sorter.add(label, *sorted(deps))
    return [labels[label] for label in sorter.static_order()]


def _plain_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.local_concrete_fields if not f.primary_key]


def _m2m_fields(model: type[models.Model]) -> list[models.ManyToManyField]:
    return [f for f in model._meta.local_many_to_many if f.remote_field.through._meta.auto_created]


#
# Identities: pk <-> key, one query per model
#


def _freeze(value):
    """A JSON identity (lists for compound keys) as a hashable key."""
    return tuple(_freeze(v) for v in value) if isinstance(value, list | tuple) else value


def _thaw(value):
    """An identity key as JSON: compound keys as lists, each part as the file writes it (a uid as text), so a
    document is plain JSON whatever encodes it."""
    return [_thaw(v) for v in value] if isinstance(value, tuple) else _to_json(None, value)


def _reference_key(target: type[models.Model], raw):
    """A reference to a ``target`` row as written in the file -> the key ``Keys`` holds for that row.

    The file holds JSON (a uid is a string); ``Keys`` holds the identity fields' Python values (a UUID),
    so each part goes through its field's ``to_python`` (and a relation part through its own target's).
    """
    if raw is None:
        return None
    names = identity_fields(target)
    parts = list(raw) if len(names) > 1 and isinstance(raw, list | tuple) else [raw]
    if len(parts) != len(names):
        return _freeze(raw)  # malformed: matches nothing, reported by the caller
    typed = []
    for name, part in zip(names, parts, strict=True):
        f = target._meta.get_field(name)
        if part is None:
            typed.append(None)
        elif f.is_relation:
            typed.append(_reference_key(f.related_model, part))
        else:
            typed.append(f.to_python(part))
    return typed[0] if len(typed) == 1 else tuple(typed)


class Keys:
    """pk -> identity key per model, loaded lazily with one query per model and kept current during an import."""

    def __init__(self):
        self._by_pk: dict[type[models.Model], dict] = {}
        self._by_key: dict[type[models.Model], dict] = {}

    def by_pk(self, model: type[models.Model]) -> dict:
        if model not in self._by_pk:
            names = identity_fields(model)
            fields = [model._meta.get_field(name) for name in names]
            result = {}
            for pk, *values in model._base_manager.values_list("pk", *[f.attname for f in fields]).order_by():
                parts = [
                    self.by_pk(f.related_model).get(v, ("missing", v)) if f.is_relation and v is not None else v
                    for f, v in zip(fields, values, strict=True)
                ]
                result[pk] = parts[0] if len(parts) == 1 else tuple(parts)
            self._by_pk[model] = result
            self._by_key[model] = {key: pk for pk, key in result.items()}
        return self._by_pk[model]

    def pk(self, model: type[models.Model], key):
        self.by_pk(model)
        return self._by_key[model].get(key)

    def add(self, model: type[models.Model], pk, key) -> None:
        self.by_pk(model)[pk] = key
        self._by_key[model][key] = pk


#
# Export
#


def _to_json(f: models.Field, value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")  # BinaryField.to_python reads base64 back
    return value


def _reference(keys: Keys, target: type[models.Model], pk):
    if pk is None:
        return None
    key = keys.by_pk(target).get(pk)
    if key is None:
        return {"missing_pk": pk}  # a history entry may point at a row deleted since
    return _thaw(key)


CHUNK = 2000  # rows fetched (and m2m links looked up) per query when exporting


def _header(scope: str) -> dict:
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "scope": scope,
        "exported_at": timezone.now().isoformat(),
    }


def _rows(
    model: type[models.Model],
    scope: str,
    keys: Keys,
    chosen_labels: set[str],
    queryset=None,
    hidden_papers: frozenset[int] = frozenset(),
) -> Iterator[dict]:
    """One model's records in the file's shape, read ``CHUNK`` rows at a time (memory bounded by the chunk plus
    the identity maps of the models it refers to). ``queryset`` (default: the rows ``scope`` exports) picks rows;
    the mappings, codings and frozen snapshot entries of ``hidden_papers`` are left out."""
    label = _label(model)
    if queryset is None:
        queryset = model._base_manager.all()
        if scope == PUBLIC and label in PUBLIC_ROWS:
            queryset = queryset.filter(PUBLIC_ROWS[label]())
    if hidden_papers and label in PAPER_ROWS:
        queryset = queryset.exclude(**{f"{PAPER_ROWS[label]}__in": hidden_papers})
    elif hidden_papers and label == "coverage.snapshotentry":
        queryset = queryset.exclude(paper_key__in=Paper.objects.filter(pk__in=hidden_papers).values("key"))
    queryset = queryset.order_by("pk")
    fields = _plain_fields(model)
    m2m = _m2m_fields(model)
    values = queryset.values("pk", *[f.attname for f in fields]).iterator(chunk_size=CHUNK)
    while chunk := list(itertools.islice(values, CHUNK)):
        m2m_values = _m2m_values(model, m2m, [row["pk"] for row in chunk])
        for row in chunk:
            out = {}
            for f in fields:
                value = row[f.attname]
                if f.is_relation:
                    if scope == PUBLIC and _label(f.related_model) not in chosen_labels:
                        value = None  # a user or a submission: not public
                    out[f.name] = _reference(keys, f.related_model, value)
                else:
                    out[f.name] = _to_json(f, value)
            for f in m2m:
                targets = m2m_values[f.name].get(row["pk"], [])
                out[f.name] = sorted((_thaw(keys.by_pk(f.related_model)[pk]) for pk in targets), key=repr)
            yield {"pk": _to_json(model._meta.pk, row["pk"]), "fields": out}


def records(model: type[models.Model], queryset) -> list[dict]:
    """The rows of ``queryset`` as public records, whatever their status (references to what the public scope
    leaves out, such as users and submissions, are empty): e.g. a release's mappings as they were frozen."""
    public = {_label(m) for m in dataset_models(PUBLIC)}
    return list(_rows(model, PUBLIC, Keys(), public, queryset=queryset))


def dump(scope: str = FULL, *, hidden_papers: frozenset[int] = frozenset()) -> dict:
    """Every record of ``scope`` as one JSON-ready dict (see the module docstring), but the mappings, codings and
    snapshot entries of ``hidden_papers`` (a blind coder's, ``papers.blind``). A few queries per model.
    Holds the whole dataset in memory: for backups of a large database, ``manage.py export_dataset`` streams."""
    chosen = dataset_models(scope)
    chosen_labels = {_label(model) for model in chosen}
    keys = Keys()
    records = {
        _label(model): list(_rows(model, scope, keys, chosen_labels, hidden_papers=hidden_papers)) for model in chosen
    }
    return {**_header(scope), "counts": {label: len(rows) for label, rows in records.items()}, "records": records}


def stream(scope: str = FULL, *, encoder: type[json.JSONEncoder] = json.JSONEncoder) -> Iterator[str]:
    """The same document as ``dump`` as JSON text, written record by record: memory stays bounded whatever the
    size of the database. ``counts`` comes after ``records`` (key order means nothing in JSON)."""
    chosen = dataset_models(scope)
    chosen_labels = {_label(model) for model in chosen}
    keys = Keys()
    encode = encoder(ensure_ascii=False).encode
    header = encode(_header(scope))
    yield header[:-1] + ', "records": {'
    counts = {}
    for index, model in enumerate(chosen):
        label = _label(model)
        yield ("," if index else "") + f"\n{encode(label)}: ["
        counts[label] = 0
        for record in _rows(model, scope, keys, chosen_labels):
            yield ("," if counts[label] else "") + "\n" + encode(record)
            counts[label] += 1
        yield "]"
    yield '}, "counts": ' + encode(counts) + "}\n"


def _m2m_values(model, m2m_fields, pks) -> dict[str, dict]:
    result = {}
    for f in m2m_fields:
        through = f.remote_field.through
        source = f.m2m_field_name()
        target = f.m2m_reverse_field_name()
        by_row = defaultdict(list)
        if pks:
            for row_pk, target_pk in through.objects.filter(**{f"{source}__in": pks}).values_list(
                f"{source}_id", f"{target}_id"
            ):
                by_row[row_pk].append(target_pk)
        result[f.name] = by_row
    return result
