"""The three-way merge behind ``manage.py seed``: what a seed release would add, update or leave for a curator.

Base: the record as it was seeded (``SeedRecord.fields``). Upstream: the record in the shipped fixtures. Local: the
row in the database now. Only the curated fields take part (every fixture field but the bookkeeping ones, see
``BOOKKEEPING``); values are compared after their model field's ``to_python``, references by natural key.

Per record:

* not seeded before and absent here: **add** it;
* not seeded before but a row with its identity exists (a curator or researcher made it): **adopt** it when it
  equals upstream, otherwise keep the local row and report a **conflict** per differing field;
* upstream unchanged since the base: nothing to do, whatever was curated locally;
* upstream changed, local still equal to the base: **update** the changed fields;
* upstream changed and local changed too: keep the local row, report a **conflict** per field upstream changed
  (both values), and take upstream as the new base so the question is asked once;
* seeded before, upstream changed, but the row was deleted here: leave it deleted (reported).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from datasets.dataset import identity_fields
from datasets.models import SeedRecord

# Fixture fields that are bookkeeping, not curation: they never make a record "changed".
BOOKKEEPING = frozenset({"created_at", "updated_at", "title_normalised"})


def _json(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _freeze(value):
    return tuple(_freeze(v) for v in value) if isinstance(value, list | tuple) else value


def key_text(values: list) -> str:
    """A record's identity as stored in ``SeedRecord.key``: the identity values as JSON, fixture form."""
    return json.dumps(values, cls=DjangoJSONEncoder, ensure_ascii=False)


def fixture_key(model: type[models.Model], fields: dict) -> str:
    return key_text([fields.get(name) for name in identity_fields(model)])


def local_value(obj: models.Model, f: models.Field):
    """A row's value of field ``f`` in fixture form (references as natural-key lists)."""
    if f.many_to_many:
        return sorted(list(related.natural_key()) for related in getattr(obj, f.name).all())
    if f.is_relation:
        related = getattr(obj, f.name)
        return list(related.natural_key()) if related is not None else None
    return _json(f.value_from_object(obj))


def canonical(f: models.Field, value):
    """A fixture-form value made comparable: sorted natural keys for many-to-many, ``to_python`` for plain fields."""
    if value is None:
        return None
    if f.many_to_many:
        return sorted(_freeze(v) for v in value)
    if f.is_relation:
        return _freeze(value)
    return f.to_python(value)


def local_rows(model: type[models.Model]) -> dict[str, models.Model]:
    """Every row of ``model`` by its identity (``fixture_key`` form): one query, plus one per many-to-many field."""
    forward = [f.name for f in model._meta.concrete_fields if f.is_relation]
    m2m = [f.name for f in model._meta.local_many_to_many]
    rows = model._default_manager.select_related(*forward).prefetch_related(*m2m)
    names = identity_fields(model)
    return {key_text([local_value(row, model._meta.get_field(n)) for n in names]): row for row in rows}


@dataclass
class Plan:
    """What merging one release's records into the database does (nothing is written here)."""

    release: int
    add: list[dict] = field(default_factory=list)
    update: list[tuple[dict, models.Model, list[str]]] = field(default_factory=list)
    rebase: list[dict] = field(default_factory=list)  # seeded values recorded, the row left as it is
    conflicts: list[dict] = field(default_factory=list)
    deleted_locally: list[dict] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.add) + len(self.update)

    @property
    def empty(self) -> bool:
        return not (self.add or self.update or self.rebase or self.conflicts or self.deleted_locally)


def _conflict(label: str, key: str, name: str, upstream, local) -> dict:
    return {"model": label, "key": key, "field": name, "upstream": upstream, "local": local}


def plan_release(release: int, objects: list[dict]) -> Plan:
    """Classify every shipped record of ``release`` (``objects``: fixture objects, load order) against the database."""
    plan = Plan(release)
    records = {(r.model, r.key): r for r in SeedRecord.objects.all()}
    rows: dict[str, dict[str, models.Model]] = {}
    for obj in objects:
        label = obj["model"]
        model = apps.get_model(label)
        if label not in rows:
            rows[label] = local_rows(model)
        upstream = obj["fields"]
        key = fixture_key(model, upstream)
        local = rows[label].get(key)
        record = records.get((label, key))
        names = [name for name in upstream if name not in BOOKKEEPING]
        fields = {name: model._meta.get_field(name) for name in names}
        local_values = {name: local_value(local, f) for name, f in fields.items()} if local is not None else {}

        if record is None:
            if local is None:
                plan.add.append(obj)
                continue
            differing = [n for n, f in fields.items() if canonical(f, upstream[n]) != canonical(f, local_values[n])]
            plan.conflicts += [_conflict(label, key, n, upstream[n], local_values[n]) for n in differing]
            plan.rebase.append(obj)
            continue

        base = record.fields
        changed_upstream = [
            n for n, f in fields.items() if canonical(f, base.get(n, upstream[n])) != canonical(f, upstream[n])
        ]
        if not changed_upstream:
            continue
        if local is None:
            plan.deleted_locally.append(obj)
            plan.rebase.append(obj)
            continue
        changed_locally = [
            n for n, f in fields.items() if canonical(f, base.get(n, local_values[n])) != canonical(f, local_values[n])
        ]
        if not changed_locally:
            plan.update.append((obj, local, changed_upstream))
            continue
        differing = [
            n for n in changed_upstream if canonical(fields[n], upstream[n]) != canonical(fields[n], local_values[n])
        ]
        plan.conflicts += [_conflict(label, key, n, upstream[n], local_values[n]) for n in differing]
        plan.rebase.append(obj)
    return plan
