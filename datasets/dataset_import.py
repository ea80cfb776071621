"""Import of a dataset document (``datasets.dataset`` describes the format): rows matched on their identity,
updated where they differ, created where missing; idempotent and all or nothing."""

from __future__ import annotations

import contextlib
import graphlib
import itertools
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DataError, IntegrityError, connection, models, transaction

from coverage.cache import bump_data_version
from datasets import dataset_stream
from datasets.dataset import (
    FORMAT,
    FULL,
    MOVED_LABELS,
    READABLE_SCHEMA_VERSIONS,
    SCHEMA_VERSION,
    DatasetError,
    Keys,
    _label,
    _m2m_fields,
    _plain_fields,
    _reference_key,
    dataset_models,
    identity_fields,
    tracked_model,
)
from kb_site.text import find_invalid

MAX_REPORTED = 200  # problems listed in full; beyond, a count


class DatasetInvalid(DatasetError):
    """Records the models' own validation refuses; nothing was written. ``problems`` names each with its record."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "\n".join(f"- {problem}" for problem in problems[:MAX_REPORTED])
        more = f"\n… and {len(problems) - MAX_REPORTED} more." if len(problems) > MAX_REPORTED else ""
        super().__init__(f"{len(problems)} problem(s) in the file; nothing was imported:\n{shown}{more}")


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


def check_header(data) -> None:
    """Refuse anything but a kb-dataset document of a schema version this code reads."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DatasetError(f'Not a knowledge-base dataset file (expected "format": "{FORMAT}").')
    version = data.get("schema_version")
    if isinstance(version, bool) or version not in READABLE_SCHEMA_VERSIONS:
        readable = ", ".join(str(v) for v in READABLE_SCHEMA_VERSIONS)
        raise DatasetError(
            f"Unsupported dataset schema version {version!r}: this version of the app reads schema versions "
            f"{readable} (it writes {SCHEMA_VERSION}). Import the file with the app version that exported it."
        )
    if not isinstance(data.get("records"), dict):
        raise DatasetError('The file has no "records" object.')


@contextlib.contextmanager
def _keeping_timestamps(model: type[models.Model]) -> Iterator[None]:
    """Let bulk_create store the file's created/updated times instead of "now" (auto_now fields)."""
    saved = []
    for f in model._meta.concrete_fields:
        if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add):
            saved.append((f, f.auto_now, f.auto_now_add))
            f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def load(data: dict) -> ImportResult:
    """Import a dataset document held in memory (see ``load_file`` for a file of any size)."""
    check_header(data)
    for label, rows in data["records"].items():
        if not isinstance(rows, list):
            raise DatasetError(f"{MOVED_LABELS.get(label, label)}: expected a list of records.")
    return _load(data["records"].keys(), lambda label: data["records"][label])


def load_file(handle: TextIO) -> ImportResult:
    """Import a dataset document from a file, streamed: memory is bounded by one chunk of records plus the identity
    maps of the rows they refer to (as for the export), not by the size of the file. Same rules as ``_load``."""
    with tempfile.TemporaryDirectory(prefix="kb-import-") as directory:
        header, sections = dataset_stream.spool(handle, directory)
        check_header(header)
        return _load(sections.keys(), lambda label: dataset_stream.records(sections[label][0]))


@transaction.atomic
def _load(labels: Iterable[str], records_of: Callable[[str], Iterable[dict]]) -> ImportResult:
    """Import the records of each type in ``labels`` (read with ``records_of(label)``): idempotent, all or nothing.

    Every record is validated by its model's own field validation (``full_clean``: lengths, choices, URL schemes,
    ...) and for text no field may hold (``kb_site.text``); a record whose identity repeats an earlier one is an
    error too. Every problem is reported, each with its record, in one ``DatasetInvalid``; then nothing is written
    (records are written chunk by chunk inside one transaction, which a problem rolls back).
    """
    file_labels = {MOVED_LABELS.get(label, label): label for label in labels}
    known = {_label(model): model for model in dataset_models(FULL)}
    unknown = sorted(set(file_labels) - set(known))
    if unknown:
        raise DatasetError(f"Unknown record types in the file: {', '.join(unknown)}.")
    keys = Keys()
    pk_maps: dict[type[models.Model], dict] = defaultdict(dict)
    result = ImportResult()
    explicit_pk_models = []
    problems: list[str] = []
    for label, model in known.items():
        if label not in file_labels:
            continue
        records = records_of(file_labels[label])
        try:
            created, updated, unchanged = _load_model(model, records, keys, pk_maps, problems)
        except (KeyError, TypeError, AttributeError, ValueError, ValidationError) as exc:
            problems.append(f"{label}: malformed record ({exc.__class__.__name__}: {exc}).")
            raise DatasetInvalid(problems) from exc
        except (IntegrityError, DataError) as exc:  # a rule only the database knows (a unique DOI, ...)
            problems.append(f"{label}: the database refused the records: {exc}".strip())
            raise DatasetInvalid(problems) from exc
        result.created[label], result.updated[label], result.unchanged[label] = created, updated, unchanged
        if created:
            explicit_pk_models.append(model)
    if problems:
        raise DatasetInvalid(problems)  # the transaction rolls back whatever valid records were written
    _reset_sequences(explicit_pk_models)
    _bump_coverage_cache()
    return result


def _sorted_by_self_reference(model, records: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    """(position, record) pairs, a record whose self-reference (a fault's parent) points at another record of the
    file after that record."""
    self_fields = [f.name for f in _plain_fields(model) if f.is_relation and f.related_model is model]
    if not self_fields:
        return records
    names = identity_fields(model)
    by_key = {_record_key(model, r[1], names): r for r in records}
    sorter = graphlib.TopologicalSorter()
    for key, (_, record) in by_key.items():
        parents = [_reference_key(model, record["fields"].get(name)) for name in self_fields]
        sorter.add(key, *[p for p in parents if p is not None and p in by_key])
    try:
        return [by_key[key] for key in sorter.static_order()]
    except graphlib.CycleError as exc:
        raise DatasetError(f"{model._meta.label}: the file's parent links form a cycle.") from exc


def _record_key(model, record: dict, names: tuple[str, ...]):
    parts = []
    for name in names:
        f = model._meta.get_field(name)
        raw = record["fields"].get(name) if not f.primary_key else record.get("pk")
        if f.is_relation:
            parts.append(_reference_key(f.related_model, raw))
        else:
            parts.append(f.to_python(raw) if raw is not None else None)
    return parts[0] if len(parts) == 1 else tuple(parts)


def _resolve(keys: Keys, pk_maps, f: models.Field, raw, *, lenient: bool):
    if raw is None:
        return None
    target = f.related_model
    if isinstance(raw, dict) and "missing_pk" in raw:
        if lenient:
            return raw["missing_pk"]
        raise DatasetError(f"{f.model._meta.label}.{f.name} refers to a row missing from the file.")
    pk = keys.pk(target, _reference_key(target, raw))
    if pk is None:
        if lenient:
            return None
        raise DatasetError(f"{f.model._meta.label}.{f.name}: no {target._meta.label} {raw!r} in the file or database.")
    return pk


def _record_problems(model, values: dict, pk, where: str) -> list[str]:
    """Why the row ``values`` (attribute names) is invalid: its model's field validation, then text no field may hold.

    Relations are resolved (or refused) by the import itself; uniqueness is the identity's business, and what is
    left to the database (a unique DOI) is reported when it refuses.
    """
    problems = []
    for name, value in values.items():
        if isinstance(value, (str, list, dict)) and (problem := find_invalid(value, max_depth=64)):
            problems.append(f"{where}: {name}: {problem[1]}")
    obj = model(**values)
    if pk is not None:
        obj.pk = pk
    # Empty values are left to the database (NOT NULL): ``blank`` is a rule for forms, and rows written by code
    # (history entries, imports of old data) may hold empty values where a form would insist on one.
    excluded = [f.name for f in model._meta.concrete_fields if f.is_relation or values.get(f.attname) in f.empty_values]
    try:
        obj.full_clean(exclude=excluded, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        problems += [
            f"{where}: {name}: {message}" for name, messages in exc.message_dict.items() for message in messages
        ]
    return problems


def _record_values(model, record: dict, fields, keys: Keys, pk_maps, tracked) -> dict:
    """The row a record describes (attribute names), its references resolved to this database's ids."""
    values = {}
    for f in fields:
        raw = record["fields"].get(f.name)
        if f.is_relation:
            values[f.attname] = _resolve(keys, pk_maps, f, raw, lenient=tracked is not None)
        elif tracked is not None and f.name == tracked._meta.pk.name:
            # A history entry's copy of the tracked row's id follows that row to its id in this database.
            values[f.attname] = pk_maps[tracked].get(raw, raw)
        else:
            try:
                values[f.attname] = f.to_python(raw) if raw is not None else None
            except ValidationError as exc:
                raise ValidationError([f"{f.name}: {message}" for message in exc.messages]) from exc
    return values


CHUNK = 1000  # records validated and written per step of an import


def _load_model(model, records: Iterable[dict], keys: Keys, pk_maps, problems: list[str]) -> tuple[int, int, int]:
    """One model's records, ``CHUNK`` at a time: validated, then updated or created in bulk. Self-referencing models
    (the taxonomy: a thousand rows) are read whole to order parents first."""
    names = identity_fields(model)
    fields = _plain_fields(model)
    label = _label(model)
    numbered: Iterable[tuple[int, dict]] = enumerate(records, start=1)
    if any(f.is_relation and f.related_model is model for f in fields):
        numbered = _sorted_by_self_reference(model, list(numbered))
        step = 1  # a child may refer to a parent created just before it
    else:
        step = CHUNK
    seen: dict = {}  # identity -> position of its first record (identities only: a repeat is an error)
    totals = [0, 0, 0]
    iterator = iter(numbered)
    while chunk := list(itertools.islice(iterator, step)):
        for position, record in chunk:
            if not isinstance(record, dict):
                raise TypeError(f"record {position} is not an object")
            key = _record_key(model, record, names)
            if key in seen:
                problems.append(f"{label} record {position} ({key!r}): repeats record {seen[key]}.")
            seen.setdefault(key, position)
        for index, n in enumerate(_load_chunk(model, chunk, fields, names, keys, pk_maps, problems)):
            totals[index] += n
    return totals[0], totals[1], totals[2]


def _load_chunk(model, chunk, fields, names, keys: Keys, pk_maps, problems: list[str]) -> tuple[int, int, int]:
    m2m = _m2m_fields(model)
    tracked = tracked_model(model)
    label = _label(model)
    created = updated = unchanged = 0
    existing = {}
    for position, record in chunk:
        pk = keys.pk(model, _record_key(model, record, names))
        if pk is not None:
            existing[position] = pk
    # Only this chunk's rows are read back: the ones it updates, and the ids its new records would like to keep.
    attnames = [f.attname for f in fields]
    current = {row["pk"]: row for row in model._base_manager.filter(pk__in=existing.values()).values("pk", *attnames)}
    file_pks = [model._meta.pk.to_python(r["pk"]) for _, r in chunk if r.get("pk") is not None]
    taken = set(model._base_manager.filter(pk__in=file_pks).values_list("pk", flat=True)) if file_pks else set()
    pending: list[tuple[models.Model, dict, object]] = []
    links: list[tuple[int, dict, bool]] = []  # (pk, record, is new) for the many-to-many fields
    for position, record in chunk:
        key = _record_key(model, record, names)
        where = f"{label} record {position} ({key!r})"
        try:
            values = _record_values(model, record, fields, keys, pk_maps, tracked)
        except (ValidationError, DatasetError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            problems.extend(f"{where}: {message}" for message in messages)
            continue
        pk = existing.get(position) or keys.pk(model, key)
        file_pk = model._meta.pk.to_python(record.get("pk")) if record.get("pk") is not None else None
        record_problems = _record_problems(model, values, pk if pk is not None else file_pk, where)
        if record_problems:
            problems.extend(record_problems)
            continue  # never written (nothing is, in the end); later records are still checked
        if pk is not None:
            row = current.get(pk, {})
            changes = {name: value for name, value in values.items() if row.get(name) != value}
            if changes:
                with _keeping_timestamps(model):
                    model._base_manager.filter(pk=pk).update(**changes)
                updated += 1
            else:
                unchanged += 1
            _map_pk(pk_maps, model, file_pk, pk)
            links.append((pk, record, False))
        else:
            obj = model(**values)
            if file_pk is not None and file_pk not in taken:
                obj.pk = file_pk
                taken.add(file_pk)
            pending.append((obj, record, key))
            created += 1
    if pending:
        with _keeping_timestamps(model):
            model._base_manager.bulk_create([obj for obj, _, _ in pending], batch_size=500)
        for obj, record, key in pending:
            keys.add(model, obj.pk, key)
            file_pk = model._meta.pk.to_python(record.get("pk")) if record.get("pk") is not None else None
            _map_pk(pk_maps, model, file_pk, obj.pk)
            links.append((obj.pk, record, True))
    if m2m and links:
        _set_m2m(model, m2m, links, keys)
    return created, updated, unchanged


def _map_pk(pk_maps, model, file_pk, pk) -> None:
    """Remember where a row of the file landed when its id changed (history entries follow it); same ids: nothing."""
    if file_pk is not None and file_pk != pk:
        pk_maps[model][file_pk] = pk


def _set_m2m(model, m2m_fields, links: list[tuple[int, dict, bool]], keys: Keys) -> None:
    """The many-to-many links of a chunk's rows as their records say: new rows' links in one insert per field,
    existing rows' links compared with what the database holds."""
    for f in m2m_fields:
        through = f.remote_field.through
        source, target = f"{f.m2m_field_name()}_id", f"{f.m2m_reverse_field_name()}_id"
        wanted: dict[int, set] = {}
        for pk, record, _ in links:
            targets = set()
            for item in record["fields"].get(f.name) or []:
                target_pk = keys.pk(f.related_model, _reference_key(f.related_model, item))
                if target_pk is None:
                    raise DatasetError(f"{model._meta.label}.{f.name}: no {f.related_model._meta.label} {item!r}.")
                targets.add(target_pk)
            wanted[pk] = targets
        have: dict[int, set] = defaultdict(set)
        old = [pk for pk, _, new in links if not new]
        if old:
            for row_pk, target_pk in through.objects.filter(**{f"{source}__in": old}).values_list(source, target):
                have[row_pk].add(target_pk)
        stale = [(pk, have[pk] - wanted[pk]) for pk in old if have[pk] - wanted[pk]]
        for pk, targets in stale:
            through.objects.filter(**{source: pk, f"{target}__in": targets}).delete()
        through.objects.bulk_create(
            [through(**{source: pk, target: t}) for pk, targets in wanted.items() for t in sorted(targets - have[pk])],
            batch_size=1000,
        )


def _reset_sequences(model_list) -> None:
    """After rows were inserted with explicit ids, move PostgreSQL's id sequences past them."""
    if not model_list:
        return
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _bump_coverage_cache() -> None:
    """bulk_create/update send no signals: tell the coverage cache that data changed."""
    bump_data_version()
